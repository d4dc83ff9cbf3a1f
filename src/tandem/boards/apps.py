from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardsConfig(AppConfig):
    name = "tandem.boards"
    label = "boards"
    verbose_name = _("Boards")

    def ready(self) -> None:
        from tandem.boards import selectors
        from tandem.core.selectors import register_audited

        # A board's history is read by whoever may open the board.
        register_audited("board", lambda m, pk: selectors.board_get(membership=m, board_id=pk))

        from tandem.boards import demo as board_demo
        from tandem.orgs import demo

        if board_demo.load not in demo.EXTENSIONS:
            demo.EXTENSIONS.append(board_demo.load)
