from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "tandem.orgs"
    label = "orgs"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from tandem.core.errors import NotFound
        from tandem.core.selectors import register_audited
        from tandem.orgs import selectors

        def organization_get(membership, organization_id: int):
            if organization_id != membership.organization_id:
                raise NotFound()
            return membership.organization

        register_audited("organization", organization_get)
        register_audited("person", lambda m, pk: selectors.person_get(membership=m, person_id=pk))
        register_audited("team", lambda m, pk: selectors.team_get(membership=m, team_id=pk))
        register_audited("invitation", lambda m, pk: selectors.invitation_get(membership=m, invitation_id=pk))
        register_audited("token", lambda m, pk: selectors.token_get(membership=m, token_id=pk))
