"""Each request speaks its reader's language, and only that request: the thread is English again after."""

from django.utils import translation

from tandem.orgs.models import User


def test_a_vietnamese_readers_request_leaves_the_thread_in_english(web, salesperson):
    User.objects.filter(pk=salesperson.user_id).update(language="vi")
    salesperson.user.refresh_from_db()
    with translation.override("en"):
        response = web(salesperson).get("/kpis/")
        assert response.headers["Content-Language"] == "vi"
        assert "Chỉ số" in response.content.decode() or 'lang="vi"' in response.content.decode()
        assert translation.get_language() == "en"
