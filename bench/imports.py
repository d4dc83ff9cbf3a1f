"""Benchmark scenario: a 200,000-row CSV file imported through the same services as the upload page.

    from imports import measure_import   # bench/imports.py, next to run.py
    rate = measure_import(rows=200_000)  # points per second of the import itself (check + write, one transaction)

Creates (once) 50 daily KPIs ``import_00`` … ``import_49`` in the bench organization, writes a CSV with ``rows``
rows (KPI key, DD/MM/YYYY date, value with a decimal comma, note), then times the upload (size, encoding and row
checks), the check of every row, and the import, and removes what it wrote. Run on its own for a quick look:

    TANDEM_DATA_DIR=/tmp/bench-imports python bench/imports.py [--rows 20000]
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
import time

KPIS = 50


def _bench_kpis() -> tuple[object, list[str]]:
    from django.db import transaction

    from tandem.kpis.models import Kpi, KpiVersion
    from tandem.orgs.models import Membership, Organization

    org = Organization.objects.get(slug="bench")
    owner = Membership.objects.for_org(org).get(user__email="person0@bench.example")
    keys = [f"import_{i:02d}" for i in range(KPIS)]
    existing = set(Kpi.objects.for_org(org).filter(key__in=keys).values_list("key", flat=True))
    missing = [key for key in keys if key not in existing]
    if missing:
        with transaction.atomic():
            created = Kpi.objects.for_org(org).bulk_create(
                Kpi(organization=org, key=key, name=f"Imported {key}", owner=owner, state="active") for key in missing
            )
            KpiVersion.objects.for_org(org).bulk_create(
                KpiVersion(
                    organization=org,
                    kpi=kpi,
                    number=1,
                    effective_from=datetime.date(1900, 1, 1),
                    frequency="day",
                    aggregation="sum",
                    target=100,
                    red_threshold=90,
                )
                for kpi in created
            )
    return owner, keys


def _csv(rows: int, keys: list[str]) -> bytes:
    start = datetime.date(1990, 1, 1)
    out = io.StringIO()
    out.write("KPI;Ngày;Giá trị;Ghi chú\r\n")
    for i in range(rows):
        day = start + datetime.timedelta(days=i // len(keys))
        out.write(f"{keys[i % len(keys)]};{day:%d/%m/%Y};{1000 + i % 997},{i % 100:02d};row {i}\r\n")
    return out.getvalue().encode("utf-8")


def measure_import(rows: int = 200_000) -> float:
    """Points per second of importing a ``rows``-row CSV (the run: every row read, checked and written in one
    transaction); the upload and the separate check are printed too."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tandem.integrations import imports
    from tandem.integrations.models import DataImport
    from tandem.kpis.models import DataPoint

    owner, keys = _bench_kpis()
    content = _csv(rows, keys)
    started = time.perf_counter()
    data_import = imports.data_import_upload(by=owner, upload=SimpleUploadedFile("bench.csv", content))  # type: ignore[arg-type]
    uploaded = time.perf_counter() - started
    mapping = imports.mapping_clean(
        by=owner,  # type: ignore[arg-type]
        data_import=data_import,
        raw={
            "kpi_column": "KPI",
            "date_column": "Ngày",
            "value_column": "Giá trị",
            "note_column": "Ghi chú",
            "date_format": "DD/MM/YYYY",
            "decimal": ",",
        },
    )
    started = time.perf_counter()
    outcome = imports.data_import_check(by=owner, data_import=data_import, mapping=mapping)  # type: ignore[arg-type]
    checked = time.perf_counter() - started
    assert outcome.rows_bad == 0, outcome.bad_rows[:3]
    started = time.perf_counter()
    done = imports.data_import_run(by=owner, data_import=data_import, mapping=mapping, skip_bad_rows=False)  # type: ignore[arg-type]
    ran = time.perf_counter() - started
    assert done.rows_written == rows, done.rows_written
    print(
        f"import of {rows:,} CSV rows ({len(content) / 1e6:.1f} MB): upload {uploaded:.1f} s, "
        f"check {checked:.1f} s, import {ran:.1f} s",
        file=sys.stderr,
    )
    DataPoint.objects.for_org(data_import.organization_id).filter(source=imports.SOURCE, kpi__key__in=keys).delete()
    DataImport.objects.for_org(data_import.organization_id).filter(pk=data_import.pk).delete()
    return rows / ran


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    import run  # bench/run.py, next to this file

    run.setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    run.generate(people=20, teams=5)
    rate = measure_import(args.rows)
    raw = run.measure_raw_ingest(3, 50)
    print(f"{'CSV import, ' + format(args.rows, ',') + ' rows':<44} {rate:8.0f} points/s")
    print(f"{'raw COPY/executemany, 10,000 points':<44} {raw:8.0f} points/s  (import at {rate / raw:.2f}x)")


if __name__ == "__main__":
    main()
