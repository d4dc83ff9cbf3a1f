from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from tandem.actions import views as action_views
from tandem.api import api
from tandem.boards import views as board_views
from tandem.core import views as core_views
from tandem.core.ids import IdConverter
from tandem.feedback import views as feedback_views
from tandem.integrations import import_views, webhook_views
from tandem.integrations import views as connector_views
from tandem.kpis import views as kpi_views
from tandem.notifications import digest_views
from tandem.notifications import views as notification_views
from tandem.okrs import contribution_views
from tandem.okrs import views as okr_views
from tandem.orgs import views as org_views

register_converter(IdConverter, "id")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", core_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="core/password_change_done.html"),
        name="password_change_done",
    ),
    path("healthz", core_views.healthz, name="healthz"),
    path("kpis/", kpi_views.kpi_list, name="kpis"),
    path("kpis/new/", kpi_views.kpi_create, name="kpi_create"),
    path("kpis/<id:kpi_id>/", kpi_views.kpi_detail, name="kpi_detail"),
    path("kpis/<id:kpi_id>/edit/", kpi_views.kpi_edit, name="kpi_edit"),
    path("kpis/<id:kpi_id>/archive/", kpi_views.kpi_archive, name="kpi_archive"),
    path("kpis/<id:kpi_id>/delete/", kpi_views.kpi_delete, name="kpi_delete"),
    path("kpis/<id:kpi_id>/period-target/", kpi_views.kpi_period_target, name="kpi_period_target"),
    path("kpis/<id:kpi_id>/record/", kpi_views.kpi_record, name="kpi_record"),
    path("kpis/<id:kpi_id>/submit/", kpi_views.kpi_submit, name="kpi_submit"),
    path("kpis/<id:kpi_id>/comments/", kpi_views.kpi_comment_add, name="kpi_comment_add"),
    path("kpis/<id:kpi_id>/change-request/", kpi_views.kpi_change_request, name="kpi_change_request"),
    path(
        "change-requests/<id:request_id>/approve/",
        kpi_views.change_request_decide,
        {"decision": "approve"},
        name="change_request_approve",
    ),
    path(
        "change-requests/<id:request_id>/reject/",
        kpi_views.change_request_decide,
        {"decision": "reject"},
        name="change_request_reject",
    ),
    path("okrs/", okr_views.okr_home, name="okrs"),
    path("okrs/map/", okr_views.alignment_map, name="alignment_map"),
    path("okrs/cycles/", okr_views.cycle_list, name="cycles"),
    path("templates/", okr_views.template_list, name="templates"),
    path("templates/use/", okr_views.template_use, name="template_use"),
    path("templates/save/", okr_views.template_save, name="template_save"),
    path("okrs/cycles/<id:cycle_id>/advance/", okr_views.cycle_advance, name="cycle_advance"),
    path("okrs/objectives/new/", okr_views.objective_create, name="objective_create"),
    path("okrs/objectives/<id:objective_id>/", okr_views.objective_detail, name="objective_detail"),
    path("okrs/objectives/<id:objective_id>/edit/", okr_views.objective_edit, name="objective_edit"),
    path("okrs/objectives/<id:objective_id>/children/", okr_views.objective_children, name="objective_children"),
    path("okrs/objectives/<id:objective_id>/delete/", okr_views.objective_delete, name="objective_delete"),
    path("okrs/objectives/<id:objective_id>/key-results/", okr_views.key_result_create, name="key_result_create"),
    path("okrs/objectives/<id:objective_id>/reflect/", okr_views.objective_reflect, name="objective_reflect"),
    path("okrs/objectives/<id:objective_id>/carry-over/", okr_views.objective_carry_over, name="objective_carry_over"),
    path("okrs/objectives/<id:objective_id>/comments/", okr_views.comment_add, name="comment_add"),
    path("okrs/key-results/<id:key_result_id>/edit/", okr_views.key_result_edit, name="key_result_edit"),
    path("okrs/key-results/<id:key_result_id>/delete/", okr_views.key_result_delete, name="key_result_delete"),
    path("okrs/key-results/<id:key_result_id>/check-in/", okr_views.key_result_check_in, name="key_result_check_in"),
    path("okrs/key-results/<id:key_result_id>/score/", okr_views.key_result_score, name="key_result_score"),
    path("okrs/milestones/<id:milestone_id>/toggle/", okr_views.milestone_toggle, name="milestone_toggle"),
    path("notifications/", notification_views.inbox, name="notifications"),
    path("notifications/read/", notification_views.mark_read, name="notifications_read"),
    path("notifications/bell/", notification_views.bell, name="notifications_bell"),
    path("notifications/digest/", digest_views.digest, name="digest"),
    path("settings/notifications/", notification_views.preferences, name="notification_preferences"),
    path("actions/", action_views.action_list, name="actions"),
    path("actions/new/", action_views.action_create, name="action_create"),
    path("actions/<id:action_id>/status/", action_views.action_status, name="action_status"),
    path("actions/<id:action_id>/edit/", action_views.action_edit, name="action_edit"),
    path("actions/<id:action_id>/delete/", action_views.action_delete, name="action_delete"),
    path("boards/", board_views.board_list, name="boards"),
    path("boards/new/", board_views.board_create, name="board_create"),
    path("boards/<id:board_id>/", board_views.board_detail, name="board_detail"),
    path("boards/<id:board_id>/edit/", board_views.board_edit, name="board_edit"),
    path("boards/<id:board_id>/delete/", board_views.board_delete, name="board_delete"),
    path("boards/<id:board_id>/members/", board_views.board_members, name="board_members"),
    path("boards/<id:board_id>/members/<id:member_id>/", board_views.board_member_update, name="board_member_update"),
    path(
        "boards/<id:board_id>/members/<id:member_id>/remove/",
        board_views.board_member_remove,
        name="board_member_remove",
    ),
    path("boards/<id:board_id>/sections/", board_views.board_section_add, name="board_section_add"),
    path(
        "boards/<id:board_id>/sections/<id:section_id>/",
        board_views.board_section_update,
        name="board_section_update",
    ),
    path(
        "boards/<id:board_id>/sections/<id:section_id>/delete/",
        board_views.board_section_delete,
        name="board_section_delete",
    ),
    path("boards/<id:board_id>/items/", board_views.board_item_add, name="board_item_add"),
    path("boards/<id:board_id>/items/search/", board_views.board_item_search, name="board_item_search"),
    path("boards/<id:board_id>/items/<id:item_id>/", board_views.board_item_update, name="board_item_update"),
    path("boards/<id:board_id>/items/<id:item_id>/remove/", board_views.board_item_remove, name="board_item_remove"),
    path("insights/", core_views.coming_soon, {"section": "insights"}, name="insights"),
    path("people/", org_views.people_index, name="people"),
    path("people/<id:person_id>/", org_views.person_detail, name="person_detail"),
    path("people/<id:person_id>/edit/", org_views.person_edit, name="person_edit"),
    path("people/<id:person_id>/feedback/", feedback_views.feedback_thread, name="feedback_thread"),
    path("people/<id:person_id>/contribution/", contribution_views.person_contribution, name="person_contribution"),
    path("teams/new/", org_views.team_create, name="team_create"),
    path("teams/<id:team_id>/", org_views.team_detail, name="team_detail"),
    path("teams/<id:team_id>/edit/", org_views.team_edit, name="team_edit"),
    path("teams/<id:team_id>/delete/", org_views.team_delete, name="team_delete"),
    path("invitations/", org_views.invitation_list, name="invitations"),
    path("invitations/<id:invitation_id>/revoke/", org_views.invitation_revoke, name="invitation_revoke"),
    path("invite/<str:token>/", org_views.invitation_accept, name="invitation_accept"),
    path("organization/switch/", org_views.organization_switch, name="organization_switch"),
    path("settings/", org_views.settings_index, name="settings"),
    path("settings/tokens/<id:token_id>/revoke/", org_views.token_revoke, name="token_revoke"),
    # placeholder: the Data section's three tabs, each replaced by its real page.
    path("data/connectors/", connector_views.connector_list, name="connectors"),
    path("data/connectors/new/", connector_views.connector_create, name="connector_create"),
    path("data/connectors/test/", connector_views.connector_preview, name="connector_preview"),
    path("data/connectors/<id:connector_id>/", connector_views.connector_detail, name="connector_detail"),
    path("data/connectors/<id:connector_id>/edit/", connector_views.connector_edit, name="connector_edit"),
    path("data/connectors/<id:connector_id>/delete/", connector_views.connector_delete, name="connector_delete"),
    path("data/connectors/<id:connector_id>/run/", connector_views.connector_run, name="connector_run"),
    path("data/connectors/<id:connector_id>/test/", connector_views.connector_test, name="connector_test"),
    path("data/imports/", import_views.import_list, name="imports"),
    path("data/imports/<id:import_id>/", import_views.import_detail, name="import_detail"),
    path("data/imports/<id:import_id>/check/", import_views.import_check, name="import_check"),
    path("data/imports/<id:import_id>/run/", import_views.import_run, name="import_run"),
    path("data/webhooks/", webhook_views.webhook_list, name="webhooks"),
    path("data/webhooks/new/", webhook_views.webhook_create, name="webhook_create"),
    path("data/webhooks/<id:webhook_id>/", webhook_views.webhook_detail, name="webhook_detail"),
    path("data/webhooks/<id:webhook_id>/edit/", webhook_views.webhook_edit, name="webhook_edit"),
    path("data/webhooks/<id:webhook_id>/delete/", webhook_views.webhook_delete, name="webhook_delete"),
    path("data/webhooks/<id:webhook_id>/test/", webhook_views.webhook_test, name="webhook_test"),
    path(
        "data/webhooks/<id:webhook_id>/rotate-secret/",
        webhook_views.webhook_secret_rotate,
        name="webhook_secret_rotate",
    ),
    path(
        "data/webhook-deliveries/<id:delivery_id>/redeliver/",
        webhook_views.webhook_redeliver,
        name="webhook_redeliver",
    ),
    path("api/", api.urls),
]
