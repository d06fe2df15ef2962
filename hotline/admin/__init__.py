"""Administration without a terminal: dashboard logins (`users`), volunteers, teams and
communities (`people`), categories of issue as data (`categories`). Every change is audited
with who made it (`changes.Editor`); refusals are `AdminError`s with translatable messages.

The pages (hotline/web/admin) and `flask users` call these same functions."""

from hotline.admin.categories import (
    CategoryData,
    Listed,
    delete_category,
    get_category,
    listed,
    named_codes,
    save_category,
)
from hotline.admin.changes import CLI, AdminError, Editor
from hotline.admin.people import (
    VolunteerData,
    communities,
    delete_community,
    delete_team,
    get_volunteer,
    import_volunteers,
    save_community,
    save_team,
    save_volunteer,
    set_volunteer_active,
    teams,
    volunteers,
)
from hotline.admin.users import (
    UserData,
    create_user,
    get_user,
    list_users,
    reset_password,
    set_active,
    update_user,
    volunteer_text,
)

__all__ = [
    "CLI",
    "AdminError",
    "CategoryData",
    "Editor",
    "Listed",
    "UserData",
    "VolunteerData",
    "communities",
    "create_user",
    "delete_category",
    "delete_community",
    "delete_team",
    "get_category",
    "get_user",
    "get_volunteer",
    "import_volunteers",
    "list_users",
    "listed",
    "named_codes",
    "reset_password",
    "save_category",
    "save_community",
    "save_team",
    "save_volunteer",
    "set_active",
    "set_volunteer_active",
    "teams",
    "update_user",
    "volunteer_text",
    "volunteers",
]
