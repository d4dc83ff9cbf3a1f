"""Email delivery through a real SMTP server: one email per burst, in the reader's language, with links
straight to the objects; an unreachable server keeps every email waiting, visible to administrators."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tandem.notifications.delivery import emails_deliver
from tandem.notifications.models import EmailState, Notification
from tandem.notifications.services import notify
from tandem.okrs.models import Objective

pytestmark = pytest.mark.django_db


def _burst(actor, recipient, count: int = 3) -> list[Notification]:  # type: ignore[no-untyped-def]
    objective = Objective.objects.for_org(actor.organization).filter(owner=recipient).first()
    assert objective is not None
    made = []
    for n in range(count):
        made += notify(
            actor=actor,
            recipients=[recipient],
            event="objective.changed",
            obj=objective,
            url=f"/okrs/objectives/{objective.pk}/",
            params={"title": f"Edit number {n}", "changes": [["title", "a", "b"]]},
        )
    return made


def later(seconds: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=seconds)


def test_a_burst_waits_until_it_is_quiet_then_goes_as_one_email(smtp_server, settings, sales_manager, salesperson):
    settings.SITE_URL = "https://tandem.example.com"
    made = _burst(sales_manager, salesperson)
    Notification.objects.for_org(salesperson.organization).filter(pk__in=[n.pk for n in made]).update(
        email_state=EmailState.PENDING
    )

    assert emails_deliver(now=later(10)).emails == 0, "the burst is still going on"
    assert smtp_server.messages == []

    done = emails_deliver(now=later(settings.EMAIL_BATCH_SECONDS + 5))

    assert (done.emails, done.notifications) == (1, 3)
    [message] = smtp_server.to("an.pham@lotus.example")
    assert "3 updates" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for n in range(3):
        assert f"Edit number {n}" in text
    assert f"https://tandem.example.com{made[0].url}" in text
    assert f'href="https://tandem.example.com{made[0].url}"' in html
    assert "https://tandem.example.com/settings/notifications/" in text
    states = set(
        Notification.objects.for_org(salesperson.organization)
        .filter(pk__in=[n.pk for n in made])
        .values_list("email_state", flat=True)
    )
    assert states == {EmailState.SENT}
    assert emails_deliver(now=later(3600)).emails == 0, "a sent email is never sent again"


def test_a_long_burst_is_sent_at_the_latest_after_the_maximum_wait(smtp_server, settings, sales_manager, salesperson):
    settings.EMAIL_BATCH_SECONDS, settings.EMAIL_BATCH_MAX_SECONDS = 120, 600
    made = _burst(sales_manager, salesperson, count=1)
    # The first event is old; a new one keeps arriving.
    Notification.objects.for_org(salesperson.organization).filter(pk=made[0].pk).update(
        created_at=timezone.now() - datetime.timedelta(seconds=700), email_state=EmailState.PENDING
    )
    _burst(sales_manager, salesperson, count=1)
    Notification.objects.for_org(salesperson.organization).update(email_state=EmailState.PENDING)
    assert emails_deliver(now=later(0)).emails == 1


def test_the_email_speaks_the_readers_language(smtp_server, settings, sales_manager, salesperson):
    salesperson.user.language = "vi"
    salesperson.user.save(update_fields=["language"])
    made = _burst(sales_manager, salesperson, count=1)
    Notification.objects.for_org(salesperson.organization).filter(pk=made[0].pk).update(email_state=EmailState.PENDING)

    emails_deliver(now=later(settings.EMAIL_BATCH_SECONDS + 1))

    [message] = smtp_server.to("an.pham@lotus.example")
    text = message.get_body(("plain",)).get_content()
    assert "Xin chào Phạm Minh An" in text
    assert "đã thay đổi mục tiêu" in message["Subject"]


def test_an_unreachable_mail_server_keeps_every_email_and_tells_admins(
    smtp_server, settings, sales_manager, salesperson, admin, web
):
    made = _burst(sales_manager, salesperson, count=2)
    ids = [n.pk for n in made]
    Notification.objects.for_org(salesperson.organization).filter(pk__in=ids).update(email_state=EmailState.PENDING)
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there

    first = emails_deliver(now=later(settings.EMAIL_BATCH_SECONDS + 1))

    assert first.emails == 0 and first.failed == ["an.pham@lotus.example"]
    rows = list(Notification.objects.for_org(salesperson.organization).filter(pk__in=ids))
    assert {r.email_state for r in rows} == {EmailState.PENDING}
    assert {r.email_attempts for r in rows} == {1}
    assert "cannot be reached" in rows[0].email_error
    page = web(admin).get("/settings/notifications/").content.decode()
    assert "Sending failed 1 time" in page and "cannot be reached" in page
    member_page = web(salesperson).get("/settings/notifications/").content.decode()
    assert "Email delivery" not in member_page, "only administrators see the outbox"

    # Not retried before its time; then the server is back and the emails go out once.
    settings.EMAIL_PORT = real_port
    assert emails_deliver(now=later(settings.EMAIL_BATCH_SECONDS + 30)).emails == 0
    again = emails_deliver(now=later(settings.EMAIL_BATCH_SECONDS + 200))
    assert (again.emails, again.notifications) == (1, 2)
    assert len(smtp_server.to("an.pham@lotus.example")) == 1
