"""The built-in KPI and OKR template library: its content, its checks on broken files, and its lookups."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tandem.templates_library import library
from tandem.templates_library.library import (
    FUNCTION_KEYS,
    FUNCTIONS,
    KPI_FILE,
    OKR_FILE,
    kpi_template,
    kpi_templates,
    localized,
    okr_template,
    okr_templates,
    read_kpis,
    read_okrs,
)

FREE_TRIAL_OBJECTIVE = "Improve free trial experience in order to increase new customer acquisition"

Raw = list[dict[str, Any]]


def shipped(path: Path) -> Raw:
    data: Raw = json.loads(path.read_text(encoding="utf-8"))
    return data


def first(items: Raw, **where: Any) -> dict[str, Any]:
    return next(item for item in items if all(item.get(name) == value for name, value in where.items()))


def test_library_is_large_enough() -> None:
    assert len(kpi_templates()) >= 60
    assert len(okr_templates()) >= 40


@pytest.mark.parametrize("function", FUNCTION_KEYS)
def test_every_function_has_enough_templates(function: str) -> None:
    assert len(kpi_templates(function)) >= 7
    assert len(okr_templates(function)) >= 5
    assert {t.function for t in kpi_templates(function)} == {function}
    assert {t.function for t in okr_templates(function)} == {function}


def test_functions_are_the_eight_in_order() -> None:
    assert FUNCTION_KEYS == (
        "sales",
        "marketing",
        "customer_service",
        "operations",
        "finance",
        "hr",
        "product",
        "engineering",
    )
    assert [str(label) for _key, label in FUNCTIONS][:3] == ["Sales", "Marketing", "Customer service"]


def all_texts() -> list[dict[str, str]]:
    texts = []
    for kpi in kpi_templates():
        texts += [kpi.name, kpi.description, kpi.unit]
    for okr in okr_templates():
        texts += [okr.objective, okr.description]
        for key_result in okr.key_results:
            texts += [key_result.title, key_result.unit, *key_result.milestones]
    return texts


def test_every_text_is_in_english_and_vietnamese() -> None:
    for text in all_texts():
        assert text["en"].strip(), text
        assert text["vi"].strip(), text


def test_vietnamese_is_a_translation_not_a_copy() -> None:
    headlines = [t.name for t in kpi_templates()] + [t.objective for t in okr_templates()]
    headlines += [kr.title for t in okr_templates() for kr in t.key_results]
    translated = [text for text in headlines if text["vi"] != text["en"]]
    assert len(translated) >= 0.9 * len(headlines)
    descriptions = [t.description for t in kpi_templates()] + [t.description for t in okr_templates()]
    assert all(text["vi"] != text["en"] for text in descriptions)


def test_vietnamese_has_its_diacritics() -> None:
    for template in okr_templates():
        assert any(ord(char) > 127 for char in template.objective["vi"]), template.key


def test_kpi_descriptions_are_one_sentence() -> None:
    for template in kpi_templates():
        for language in ("en", "vi"):
            text = template.description[language]
            assert text.endswith("."), (template.key, language)
            assert ". " not in text, (template.key, language)


def test_free_trial_objective_has_five_from_x_to_y_key_results() -> None:
    [template] = [t for t in okr_templates() if t.objective["en"] == FREE_TRIAL_OBJECTIVE]
    assert template.function in {"marketing", "product"}
    assert len(template.key_results) == 5
    for key_result in template.key_results:
        assert key_result.type in {"number", "percent", "currency"}
        assert key_result.start != key_result.target
    assert any(kr.decreasing for kr in template.key_results)
    assert any(not kr.decreasing for kr in template.key_results)


def test_guardrails_are_other_templates() -> None:
    guarded = [t for t in kpi_templates() if t.guardrails]
    assert len(guarded) >= 10
    keys = {t.key for t in kpi_templates()}
    for template in guarded:
        assert template.key not in template.guardrails
        assert set(template.guardrails) <= keys


def test_units_sold_is_guarded_against_watermelon_growth() -> None:
    assert {"inventory_days", "overdue_receivables_ratio", "product_return_rate"} <= set(
        kpi_template("units_sold").guardrails
    )


def test_rates_are_never_summed() -> None:
    for template in kpi_templates():
        if template.unit_kind == "percent":
            assert template.aggregation != "sum", template.key


def test_thresholds_point_the_right_way() -> None:
    for template in kpi_templates():
        if template.direction == "band":
            assert template.band_low is not None and template.band_high is not None
            assert template.band_low < template.band_high
            assert template.amber_threshold is None
        else:
            assert template.amber_threshold is not None
            if template.direction == "higher":
                assert template.red_threshold < template.amber_threshold, template.key
            else:
                assert template.red_threshold > template.amber_threshold, template.key
            if template.threshold_mode == "percent":
                assert template.target is not None
                assert template.amber_threshold == Decimal(100), template.key


def test_key_results_link_to_existing_kpis() -> None:
    keys = {t.key for t in kpi_templates()}
    linked = [kr.kpi for t in okr_templates() for kr in t.key_results if kr.kpi]
    assert linked
    assert set(linked) <= keys


def test_shipped_files_are_pretty_printed_utf8() -> None:
    for path in (KPI_FILE, OKR_FILE):
        text = path.read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"
        assert "\\u" not in text


def test_lookups_by_key() -> None:
    assert kpi_template("win_rate").name["en"] == "Win rate"
    assert okr_template("marketing_free_trial_acquisition").objective["en"] == FREE_TRIAL_OBJECTIVE
    with pytest.raises(KeyError, match="no_such_kpi"):
        kpi_template("no_such_kpi")
    with pytest.raises(KeyError, match="no_such_okr"):
        okr_template("no_such_okr")
    with pytest.raises(KeyError, match="astrology"):
        kpi_templates("astrology")
    with pytest.raises(KeyError, match="astrology"):
        okr_templates("astrology")


def test_lists_are_copies() -> None:
    templates = kpi_templates()
    templates.clear()
    assert kpi_templates()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Win rate"),
        ("vi", "Tỷ lệ thắng"),
        ("vi-VN", "Tỷ lệ thắng"),
        ("vi_VN", "Tỷ lệ thắng"),
        ("VI", "Tỷ lệ thắng"),
        ("fr", "Win rate"),
        ("fr-CA", "Win rate"),
        ("", "Win rate"),
    ],
)
def test_localized_falls_back_to_english(language: str, expected: str) -> None:
    assert localized({"en": "Win rate", "vi": "Tỷ lệ thắng"}, language) == expected


def test_template_text_in_a_language() -> None:
    template = kpi_template("win_rate")
    assert template.text("name", "vi-VN") == template.name["vi"]
    assert template.text("name", "de") == "Win rate"
    with pytest.raises(AttributeError):
        template.text("key", "en")


Break = Callable[[Raw], tuple[str, str]]


def kpi_unknown_direction(kpis: Raw) -> tuple[str, str]:
    kpis[0]["direction"] = "sideways"
    return kpis[0]["key"], "direction"


def kpi_missing_name(kpis: Raw) -> tuple[str, str]:
    del kpis[0]["name"]
    return kpis[0]["key"], "name"


def kpi_target_not_a_number(kpis: Raw) -> tuple[str, str]:
    kpis[0]["target"] = "lots"
    return kpis[0]["key"], "target"


def kpi_target_a_float(kpis: Raw) -> tuple[str, str]:
    kpis[0]["target"] = 5000.5
    return kpis[0]["key"], "target"


def kpi_key_not_snake_case(kpis: Raw) -> tuple[str, str]:
    kpis[0]["key"] = "Sales Revenue"
    return "Sales Revenue", "key"


def kpi_duplicate_key(kpis: Raw) -> tuple[str, str]:
    kpis[5]["key"] = kpis[0]["key"]
    return kpis[0]["key"], "key"


def kpi_unknown_guardrail(kpis: Raw) -> tuple[str, str]:
    kpis[0]["guardrails"] = ["no_such_kpi"]
    return kpis[0]["key"], "guardrails"


def kpi_guards_itself(kpis: Raw) -> tuple[str, str]:
    kpis[0]["guardrails"] = [kpis[0]["key"]]
    return kpis[0]["key"], "guardrails"


def kpi_lower_red_below_amber(kpis: Raw) -> tuple[str, str]:
    kpi = first(kpis, direction="lower", threshold_mode="percent")
    kpi["red_threshold"] = "90"
    return kpi["key"], "red_threshold"


def kpi_higher_red_above_amber(kpis: Raw) -> tuple[str, str]:
    kpi = first(kpis, direction="higher", threshold_mode="absolute")
    kpi["red_threshold"] = str(Decimal(kpi["amber_threshold"]) + 1)
    return kpi["key"], "red_threshold"


def kpi_band_upside_down(kpis: Raw) -> tuple[str, str]:
    kpi = first(kpis, direction="band")
    kpi["band_low"], kpi["band_high"] = kpi["band_high"], kpi["band_low"]
    return kpi["key"], "band_high"


def kpi_band_with_amber(kpis: Raw) -> tuple[str, str]:
    kpi = first(kpis, direction="band")
    kpi["amber_threshold"] = "100"
    return kpi["key"], "amber_threshold"


def kpi_percent_without_target(kpis: Raw) -> tuple[str, str]:
    kpi = first(kpis, threshold_mode="percent")
    kpi["target"] = None
    return kpi["key"], "target"


def kpi_no_vietnamese(kpis: Raw) -> tuple[str, str]:
    del kpis[0]["description"]["vi"]
    return kpis[0]["key"], "description"


def kpi_blank_english(kpis: Raw) -> tuple[str, str]:
    kpis[0]["unit"]["en"] = " "
    return kpis[0]["key"], "unit"


def kpi_unknown_field(kpis: Raw) -> tuple[str, str]:
    kpis[0]["guardrail"] = ["win_rate"]
    return kpis[0]["key"], "guardrail"


def kpi_unknown_function(kpis: Raw) -> tuple[str, str]:
    kpis[0]["function"] = "legal"
    return kpis[0]["key"], "function"


@pytest.mark.parametrize(
    "breaks",
    [
        kpi_unknown_direction,
        kpi_missing_name,
        kpi_target_not_a_number,
        kpi_target_a_float,
        kpi_key_not_snake_case,
        kpi_duplicate_key,
        kpi_unknown_guardrail,
        kpi_guards_itself,
        kpi_lower_red_below_amber,
        kpi_higher_red_above_amber,
        kpi_band_upside_down,
        kpi_band_with_amber,
        kpi_percent_without_target,
        kpi_no_vietnamese,
        kpi_blank_english,
        kpi_unknown_field,
        kpi_unknown_function,
    ],
)
def test_broken_kpi_file_is_refused(tmp_path: Path, breaks: Break) -> None:
    kpis = copy.deepcopy(shipped(KPI_FILE))
    key, field = breaks(kpis)
    path = tmp_path / "kpis.json"
    path.write_text(json.dumps(kpis, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        read_kpis(path)
    message = str(caught.value)
    assert str(path) in message
    assert repr(key) in message
    assert repr(field) in message


def okr_target_equals_start(okrs: Raw) -> tuple[str, str]:
    key_result = okrs[0]["key_results"][0]
    key_result["target"] = key_result["start"]
    return okrs[0]["key"], "key_results[0].target"


def okr_milestones_on_a_number(okrs: Raw) -> tuple[str, str]:
    okr = next(o for o in okrs if o["key_results"][0]["type"] == "number")
    okr["key_results"][0]["milestones"] = [{"en": "One", "vi": "Một"}] * 3
    return okr["key"], "key_results[0].milestones"


def okr_milestones_missing(okrs: Raw) -> tuple[str, str]:
    for okr in okrs:
        for index, key_result in enumerate(okr["key_results"]):
            if key_result["type"] == "milestones":
                del key_result["milestones"]
                return okr["key"], f"key_results[{index}].milestones"
    raise AssertionError("no milestones key result")


def okr_too_few_milestones(okrs: Raw) -> tuple[str, str]:
    for okr in okrs:
        for index, key_result in enumerate(okr["key_results"]):
            if key_result["type"] == "milestones":
                key_result["milestones"] = key_result["milestones"][:2]
                return okr["key"], f"key_results[{index}].milestones"
    raise AssertionError("no milestones key result")


def okr_yes_no_to_two(okrs: Raw) -> tuple[str, str]:
    for okr in okrs:
        for index, key_result in enumerate(okr["key_results"]):
            if key_result["type"] == "yes_no":
                key_result["target"] = "2"
                return okr["key"], f"key_results[{index}].target"
    raise AssertionError("no yes/no key result")


def okr_unknown_kpi(okrs: Raw) -> tuple[str, str]:
    okrs[0]["key_results"][1]["kpi"] = "no_such_kpi"
    return okrs[0]["key"], "key_results[1].kpi"


def okr_one_key_result(okrs: Raw) -> tuple[str, str]:
    okrs[0]["key_results"] = okrs[0]["key_results"][:1]
    return okrs[0]["key"], "key_results"


def okr_unknown_kind(okrs: Raw) -> tuple[str, str]:
    okrs[0]["kind"] = "optional"
    return okrs[0]["key"], "kind"


def okr_duplicate_key(okrs: Raw) -> tuple[str, str]:
    okrs[3]["key"] = okrs[2]["key"]
    return okrs[2]["key"], "key"


def okr_objective_without_vietnamese(okrs: Raw) -> tuple[str, str]:
    okrs[0]["objective"] = {"en": okrs[0]["objective"]["en"]}
    return okrs[0]["key"], "objective"


@pytest.mark.parametrize(
    "breaks",
    [
        okr_target_equals_start,
        okr_milestones_on_a_number,
        okr_milestones_missing,
        okr_too_few_milestones,
        okr_yes_no_to_two,
        okr_unknown_kpi,
        okr_one_key_result,
        okr_unknown_kind,
        okr_duplicate_key,
        okr_objective_without_vietnamese,
    ],
)
def test_broken_okr_file_is_refused(tmp_path: Path, breaks: Break) -> None:
    okrs = copy.deepcopy(shipped(OKR_FILE))
    key, field = breaks(okrs)
    path = tmp_path / "okrs.json"
    path.write_text(json.dumps(okrs, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        read_okrs(path, kpi_keys={t.key for t in kpi_templates()})
    message = str(caught.value)
    assert str(path) in message
    assert repr(key) in message
    assert repr(field) in message


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kpis.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(ValueError, match="kpis.json"):
        read_kpis(path)


def test_a_file_that_is_not_a_list_is_refused() -> None:
    with pytest.raises(ValueError, match="custom.json"):
        library.parse_kpis({"key": "win_rate"}, source="custom.json")


def test_the_shipped_files_pass_the_checks_they_are_loaded_with() -> None:
    kpis = read_kpis(KPI_FILE)
    okrs = read_okrs(OKR_FILE, kpi_keys={t.key for t in kpis})
    assert list(kpis) == kpi_templates()
    assert list(okrs) == okr_templates()
