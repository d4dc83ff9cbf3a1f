"""Boards: named collections of KPIs, objectives and key results, arranged in sections by their editors.

A public board is visible to everyone in the organization and shows public metrics only. A private board is
visible to its members only (owner, editors, viewers), and is the one way to share a private metric beyond
its owner, its team's managers and the administrators: its members may see the private KPIs and objectives
on it (a key result shares the objective it measures). The rule itself lives in
:mod:`tandem.boards.visibility`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core.tenancy import TenantModel
from tandem.kpis.models import Kpi, Visibility
from tandem.okrs.models import TITLE_MAX, KeyResult, Objective
from tandem.orgs.models import NAME_MAX, Membership, validate_not_blank


class Board(TenantModel):
    """A named page of metrics. Public boards are for everyone in the organization; private ones for
    their members."""

    name = models.CharField(_("name"), max_length=NAME_MAX, validators=[validate_not_blank])
    description = models.TextField(_("description"), blank=True)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    owner = models.ForeignKey(Membership, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    audit_type = "board"

    class Meta:
        verbose_name = _("board")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["organization", "visibility"], name="board_org_visibility")]

    def __str__(self) -> str:
        return self.name


class BoardRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


class BoardMember(TenantModel):
    """A person on a board: its owner and editors arrange it; on a private board, every member sees it."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="members")
    membership = models.ForeignKey(Membership, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=10, choices=BoardRole.choices, default=BoardRole.VIEWER)

    class Meta:
        verbose_name = _("board member")
        constraints = [models.UniqueConstraint(fields=["board", "membership"], name="board_member_once")]
        indexes = [models.Index(fields=["organization", "membership"], name="board_member_person")]

    def __str__(self) -> str:
        return f"{self.membership_id} on {self.board_id}: {self.role}"


class BoardSection(TenantModel):
    """A heading that groups a board's items, in the order the editors chose."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("title"), max_length=TITLE_MAX, validators=[validate_not_blank])
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("board section")
        ordering = ["board", "position", "id"]

    def __str__(self) -> str:
        return self.title


class ItemDisplay(models.TextChoices):
    CARD = "card", _("Card")
    CHART = "chart", _("Chart")


class BoardItem(TenantModel):
    """One KPI, objective or key result on a board, shown as a card or a chart, in a section and a place."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(BoardSection, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    kpi = models.ForeignKey(Kpi, null=True, blank=True, on_delete=models.CASCADE, related_name="board_items")
    objective = models.ForeignKey(
        Objective, null=True, blank=True, on_delete=models.CASCADE, related_name="board_items"
    )
    key_result = models.ForeignKey(
        KeyResult, null=True, blank=True, on_delete=models.CASCADE, related_name="board_items"
    )
    display = models.CharField(_("display"), max_length=10, choices=ItemDisplay.choices, default=ItemDisplay.CARD)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("board item")
        ordering = ["board", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kpi__isnull=False, objective__isnull=True, key_result__isnull=True)
                    | Q(kpi__isnull=True, objective__isnull=False, key_result__isnull=True)
                    | Q(kpi__isnull=True, objective__isnull=True, key_result__isnull=False)
                ),
                name="board_item_is_one_metric",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "kpi"], name="board_item_kpi"),
            models.Index(fields=["organization", "objective"], name="board_item_objective"),
            models.Index(fields=["organization", "key_result"], name="board_item_key_result"),
        ]

    def __str__(self) -> str:
        return f"{self.board_id}: {self.kpi_id or self.objective_id or self.key_result_id}"
