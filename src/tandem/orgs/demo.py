"""The demo company, Lotus Distribution: people and teams (later releases add KPIs and OKRs).

``load()`` is idempotent: it does nothing when the organization exists. Other apps add
their demo data by appending a function to ``EXTENSIONS``; each gets the admin membership.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.db import transaction

from tandem.orgs import services
from tandem.orgs.models import Membership, Organization, Role, Team, User

PASSWORD = "lotus-demo-2026"
SLUG = "lotus"

LOGINS = [
    ("admin@lotus.example", "admin: Nguyễn Thị Mai, Chief Executive Officer"),
    ("linh.tran@lotus.example", "manager: Trần Thu Linh, Head of Sales"),
    ("an.pham@lotus.example", "member: Phạm Minh An, Account Executive in Linh's team"),
    ("minh.le@lotus.example", "manager: Lê Quang Minh, Warehouse Lead"),
    ("sarah.hughes@lotus.example", "viewer: Sarah Hughes, Board Observer"),
    ("outsider@orchid.example", "admin of another organization, Orchid Foods"),
]

# (team, parent team, manager email)
TEAMS = [
    ("Leadership", None, "admin@lotus.example"),
    ("Sales", "Leadership", "linh.tran@lotus.example"),
    ("Sales North", "Sales", "hung.do@lotus.example"),
    ("Sales South", "Sales", "linh.tran@lotus.example"),
    ("Marketing", "Leadership", "james.carter@lotus.example"),
    ("Operations", "Leadership", "tuan.hoang@lotus.example"),
    ("Warehouse", "Operations", "minh.le@lotus.example"),
    ("Finance", "Leadership", "thao.vu@lotus.example"),
    ("HR", "Leadership", "ngoc.bui@lotus.example"),
    ("Customer Service", "Leadership", "emily.nguyen@lotus.example"),
    ("Product", "Leadership", "david.kim@lotus.example"),
]

# (email, full name, job title, role, manager email, team)
PEOPLE = [
    ("admin@lotus.example", "Nguyễn Thị Mai", "Chief Executive Officer", Role.ADMIN, None, "Leadership"),
    (
        "linh.tran@lotus.example",
        "Trần Thu Linh",
        "Head of Sales",
        Role.MANAGER,
        "admin@lotus.example",
        "Sales",
    ),
    (
        "hung.do@lotus.example",
        "Đỗ Mạnh Hùng",
        "Regional Sales Manager North",
        Role.MANAGER,
        "linh.tran@lotus.example",
        "Sales North",
    ),
    (
        "an.pham@lotus.example",
        "Phạm Minh An",
        "Account Executive",
        Role.MEMBER,
        "linh.tran@lotus.example",
        "Sales South",
    ),
    (
        "khanh.ngo@lotus.example",
        "Ngô Bảo Khánh",
        "Account Executive",
        Role.MEMBER,
        "linh.tran@lotus.example",
        "Sales South",
    ),
    (
        "oliver.smith@lotus.example",
        "Oliver Smith",
        "Key Account Manager",
        Role.MEMBER,
        "linh.tran@lotus.example",
        "Sales South",
    ),
    (
        "trang.dang@lotus.example",
        "Đặng Huyền Trang",
        "Sales Representative",
        Role.MEMBER,
        "hung.do@lotus.example",
        "Sales North",
    ),
    (
        "phuc.truong@lotus.example",
        "Trương Hữu Phúc",
        "Sales Representative",
        Role.MEMBER,
        "hung.do@lotus.example",
        "Sales North",
    ),
    (
        "grace.lee@lotus.example",
        "Grace Lee",
        "Sales Operations Analyst",
        Role.MEMBER,
        "linh.tran@lotus.example",
        "Sales",
    ),
    (
        "james.carter@lotus.example",
        "James Carter",
        "Marketing Director",
        Role.MANAGER,
        "admin@lotus.example",
        "Marketing",
    ),
    (
        "yen.ly@lotus.example",
        "Lý Hải Yến",
        "Digital Marketing Specialist",
        Role.MEMBER,
        "james.carter@lotus.example",
        "Marketing",
    ),
    (
        "quang.mai@lotus.example",
        "Mai Đức Quang",
        "Content Lead",
        Role.MEMBER,
        "james.carter@lotus.example",
        "Marketing",
    ),
    (
        "sophie.martin@lotus.example",
        "Sophie Martin",
        "Brand Manager",
        Role.MEMBER,
        "james.carter@lotus.example",
        "Marketing",
    ),
    (
        "tuan.hoang@lotus.example",
        "Hoàng Anh Tuấn",
        "Operations Director",
        Role.MANAGER,
        "admin@lotus.example",
        "Operations",
    ),
    (
        "minh.le@lotus.example",
        "Lê Quang Minh",
        "Warehouse Lead",
        Role.MANAGER,
        "tuan.hoang@lotus.example",
        "Warehouse",
    ),
    (
        "duc.phan@lotus.example",
        "Phan Văn Đức",
        "Inventory Controller",
        Role.MEMBER,
        "minh.le@lotus.example",
        "Warehouse",
    ),
    (
        "hoa.vo@lotus.example",
        "Võ Thị Hoa",
        "Picking Supervisor",
        Role.MEMBER,
        "minh.le@lotus.example",
        "Warehouse",
    ),
    (
        "long.dinh@lotus.example",
        "Đinh Hoàng Long",
        "Forklift Operator",
        Role.MEMBER,
        "minh.le@lotus.example",
        "Warehouse",
    ),
    (
        "thanh.cao@lotus.example",
        "Cao Văn Thành",
        "Logistics Coordinator",
        Role.MEMBER,
        "tuan.hoang@lotus.example",
        "Operations",
    ),
    (
        "michael.brown@lotus.example",
        "Michael Brown",
        "Procurement Manager",
        Role.MEMBER,
        "tuan.hoang@lotus.example",
        "Operations",
    ),
    (
        "thao.vu@lotus.example",
        "Vũ Phương Thảo",
        "Chief Financial Officer",
        Role.MANAGER,
        "admin@lotus.example",
        "Finance",
    ),
    (
        "nam.ha@lotus.example",
        "Hà Thành Nam",
        "Senior Accountant",
        Role.MEMBER,
        "thao.vu@lotus.example",
        "Finance",
    ),
    (
        "lan.trinh@lotus.example",
        "Trịnh Ngọc Lan",
        "Credit Controller",
        Role.MEMBER,
        "thao.vu@lotus.example",
        "Finance",
    ),
    (
        "anna.schmidt@lotus.example",
        "Anna Schmidt",
        "Financial Analyst",
        Role.MEMBER,
        "thao.vu@lotus.example",
        "Finance",
    ),
    ("ngoc.bui@lotus.example", "Bùi Bích Ngọc", "HR Manager", Role.MANAGER, "admin@lotus.example", "HR"),
    (
        "hieu.luong@lotus.example",
        "Lương Trung Hiếu",
        "Recruiter",
        Role.MEMBER,
        "ngoc.bui@lotus.example",
        "HR",
    ),
    ("mai.ta@lotus.example", "Tạ Thanh Mai", "People Partner", Role.MEMBER, "ngoc.bui@lotus.example", "HR"),
    (
        "emily.nguyen@lotus.example",
        "Emily Nguyen",
        "Customer Service Manager",
        Role.MANAGER,
        "admin@lotus.example",
        "Customer Service",
    ),
    (
        "vy.huynh@lotus.example",
        "Huỳnh Tường Vy",
        "Customer Care Agent",
        Role.MEMBER,
        "emily.nguyen@lotus.example",
        "Customer Service",
    ),
    (
        "bao.chau@lotus.example",
        "Châu Gia Bảo",
        "Customer Care Agent",
        Role.MEMBER,
        "emily.nguyen@lotus.example",
        "Customer Service",
    ),
    (
        "kiet.la@lotus.example",
        "La Tuấn Kiệt",
        "Returns Specialist",
        Role.MEMBER,
        "emily.nguyen@lotus.example",
        "Customer Service",
    ),
    (
        "david.kim@lotus.example",
        "David Kim",
        "Head of Product",
        Role.MANAGER,
        "admin@lotus.example",
        "Product",
    ),
    (
        "son.kieu@lotus.example",
        "Kiều Trường Sơn",
        "Product Manager",
        Role.MEMBER,
        "david.kim@lotus.example",
        "Product",
    ),
    (
        "nhi.doan@lotus.example",
        "Đoàn Tuyết Nhi",
        "UX Designer",
        Role.MEMBER,
        "david.kim@lotus.example",
        "Product",
    ),
    (
        "peter.wong@lotus.example",
        "Peter Wong",
        "Data Analyst",
        Role.MEMBER,
        "david.kim@lotus.example",
        "Product",
    ),
    (
        "quynh.tong@lotus.example",
        "Tống Như Quỳnh",
        "Pricing Analyst",
        Role.MEMBER,
        "thao.vu@lotus.example",
        "Finance",
    ),
    (
        "tam.lam@lotus.example",
        "Lâm Minh Tâm",
        "Delivery Driver Lead",
        Role.MEMBER,
        "tuan.hoang@lotus.example",
        "Operations",
    ),
    (
        "chloe.dubois@lotus.example",
        "Chloé Dubois",
        "Export Sales Manager",
        Role.MEMBER,
        "hung.do@lotus.example",
        "Sales North",
    ),
    (
        "viet.nghiem@lotus.example",
        "Nghiêm Quốc Việt",
        "Quality Inspector",
        Role.MEMBER,
        "minh.le@lotus.example",
        "Warehouse",
    ),
    ("sarah.hughes@lotus.example", "Sarah Hughes", "Board Observer", Role.VIEWER, None, None),
]

EXTENSIONS: list[Callable[[Membership], None]] = []


def _user(email: str, full_name: str, password_hash: str) -> User:
    user, _created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "password": password_hash}
    )
    return user


@transaction.atomic
def load() -> bool:
    """Create Lotus Distribution (and Orchid Foods, the outsider) unless they exist. True if created."""
    if Organization.objects.filter(slug=SLUG).exists():
        return False
    # One hash for every demo login: hashing forty passwords would take seconds for nothing.
    password_hash = make_password(PASSWORD)
    users = {email: _user(email, name, password_hash) for email, name, *_rest in PEOPLE}
    admin = services.organization_create(
        name="Lotus Distribution",
        slug=SLUG,
        owner=users["admin@lotus.example"],
        time_zone="Asia/Ho_Chi_Minh",
        fiscal_year_start_month=1,
    )
    services.person_update(by=admin, person=admin, job_title=PEOPLE[0][2])
    people = {"admin@lotus.example": admin}
    for email, _name, title, role, manager, _team in PEOPLE[1:]:
        people[email] = services.person_add(
            by=admin,
            user=users[email],
            role=role,
            job_title=title,
            manager=people[manager] if manager else None,
        )
    teams: dict[str, Team] = {}
    for name, parent, manager in TEAMS:
        members = [people[p[0]].pk for p in PEOPLE if p[5] == name]
        teams[name] = services.team_create(
            by=admin,
            name=name,
            parent=teams[parent].pk if parent else None,
            manager=people[manager].pk,
            members=members,
        )
    _load_outsider(password_hash, users["admin@lotus.example"])
    for extend in EXTENSIONS:
        extend(admin)
    _history_is_not_news(admin.organization)
    return True


def _history_is_not_news(organization: Organization) -> None:
    """The demo's past (months of data, check-ins and edits) was told in the inbox as it was made; it is
    not emailed to anyone when the worker starts."""
    from tandem.notifications.models import EmailState, Notification

    Notification.objects.for_org(organization).filter(email_state=EmailState.PENDING).update(
        email_state=EmailState.NONE
    )


def _load_outsider(password_hash: str, lotus_admin: User) -> None:
    """A second, small organization: its people must never see Lotus data, nor Lotus people theirs.
    Lotus's admin is a viewer there too, so the organization switcher has something to switch."""
    outsider = _user("outsider@orchid.example", "Rosa Alvarez", password_hash)
    orchid_admin = services.organization_create(
        name="Orchid Foods",
        slug="orchid",
        owner=outsider,
        time_zone="Europe/Madrid",
        fiscal_year_start_month=4,
    )
    colleague = _user("kenji.sato@orchid.example", "Kenji Sato", password_hash)
    services.person_add(by=orchid_admin, user=colleague, role=Role.MEMBER, job_title="Buyer")
    services.person_add(by=orchid_admin, user=lotus_admin, role=Role.VIEWER, job_title="Advisor")
    services.team_create(by=orchid_admin, name="Buying", manager=orchid_admin.pk)
