"""The city of each lab-test link: `package_lab_test.city_id`, its package owner's city.

The price comparison of one lab test in one city read every link of the test in the country
and probed each package's owner for its city (medium seed: cbc has 7,356 links, 547 in Pune;
two statements of ~16 ms of PostgreSQL each). With the owner's city on the link, an index on
(lab_test_id, city_id, package_id) reads the city's links alone. Triggers keep the copy in
step on both backends, whoever writes (ingestion, partner price edits, ad-hoc SQL): a link
takes its owner's city when written, and follows a package moved to another owner or an owner
moved to another city. The PostgreSQL seed loads with the insert trigger off (its indexes are
built afterwards) and fills the column once, with `FILL`.
"""

from __future__ import annotations

_OWNERS = (
    ("practitioner", "practitioner_id"),
    ("hospital", "hospital_id"),
    ("diagnostic_center", "diagnostic_center_id"),
)


def owner_city(package_id: str) -> str:
    """SQL for the city of the owner of the package `package_id` (an SQL expression)."""
    return (
        "(SELECT COALESCE(pr.city_id, h.city_id, d.city_id) FROM price_package pp"
        " LEFT JOIN practitioner pr ON pr.id = pp.practitioner_id"
        " LEFT JOIN hospital h ON h.id = pp.hospital_id"
        " LEFT JOIN diagnostic_center d ON d.id = pp.diagnostic_center_id"
        f" WHERE pp.id = {package_id})"
    )


ADD_COLUMN = "ALTER TABLE package_lab_test ADD COLUMN city_id INTEGER"
INDEX = (
    "CREATE INDEX idx_package_lab_test_city ON package_lab_test (lab_test_id, city_id, package_id)"
)
# Every link's city, set-based: the migration's backfill and the seed's fill.
FILL_POSTGRES = (
    "UPDATE package_lab_test plt SET city_id = o.city_id FROM ("
    "SELECT pp.id, COALESCE(pr.city_id, h.city_id, d.city_id) AS city_id FROM price_package pp"
    " LEFT JOIN practitioner pr ON pr.id = pp.practitioner_id"
    " LEFT JOIN hospital h ON h.id = pp.hospital_id"
    " LEFT JOIN diagnostic_center d ON d.id = pp.diagnostic_center_id) o"
    " WHERE o.id = plt.package_id AND plt.city_id IS DISTINCT FROM o.city_id"
)
FILL_SQLITE = f"UPDATE package_lab_test SET city_id = {owner_city('package_lab_test.package_id')}"

INSERT_TRIGGER = "hmsdesk_lab_link_city"  # the PostgreSQL trigger the seed turns off

POSTGRES_TRIGGERS = [
    "CREATE FUNCTION hmsdesk_lab_link_city() RETURNS trigger LANGUAGE plpgsql AS $$"
    f" BEGIN NEW.city_id := {owner_city('NEW.package_id')}; RETURN NEW; END $$",
    f"CREATE TRIGGER {INSERT_TRIGGER} BEFORE INSERT OR UPDATE OF package_id ON package_lab_test"
    " FOR EACH ROW EXECUTE FUNCTION hmsdesk_lab_link_city()",
    "CREATE FUNCTION hmsdesk_lab_package_owner() RETURNS trigger LANGUAGE plpgsql AS $$"
    f" BEGIN UPDATE package_lab_test SET city_id = {owner_city('NEW.id')}"
    " WHERE package_id = NEW.id; RETURN NULL; END $$",
    "CREATE TRIGGER hmsdesk_lab_package_owner AFTER UPDATE OF practitioner_id, hospital_id,"
    " diagnostic_center_id ON price_package FOR EACH ROW EXECUTE FUNCTION"
    " hmsdesk_lab_package_owner()",
    # TG_ARGV[0]: the package column naming this owner table's rows.
    "CREATE FUNCTION hmsdesk_lab_owner_moved() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN EXECUTE format('UPDATE package_lab_test SET city_id = $1 WHERE package_id IN"
    " (SELECT id FROM price_package WHERE %I = $2)', TG_ARGV[0]) USING NEW.city_id, NEW.id;"
    " RETURN NULL; END $$",
    *(
        f"CREATE TRIGGER hmsdesk_lab_{table}_moved AFTER UPDATE OF city_id ON {table}"
        " FOR EACH ROW WHEN (OLD.city_id IS DISTINCT FROM NEW.city_id)"
        f" EXECUTE FUNCTION hmsdesk_lab_owner_moved('{column}')"
        for table, column in _OWNERS
    ),
]

SQLITE_TRIGGERS = [
    "CREATE TRIGGER hmsdesk_lab_link_city AFTER INSERT ON package_lab_test BEGIN"
    f" UPDATE package_lab_test SET city_id = {owner_city('NEW.package_id')}"
    " WHERE id = NEW.id; END",
    "CREATE TRIGGER hmsdesk_lab_link_repointed AFTER UPDATE OF package_id ON package_lab_test"
    f" BEGIN UPDATE package_lab_test SET city_id = {owner_city('NEW.package_id')}"
    " WHERE id = NEW.id; END",
    "CREATE TRIGGER hmsdesk_lab_package_owner AFTER UPDATE OF practitioner_id, hospital_id,"
    " diagnostic_center_id ON price_package BEGIN"
    f" UPDATE package_lab_test SET city_id = {owner_city('NEW.id')}"
    " WHERE package_id = NEW.id; END",
    *(
        f"CREATE TRIGGER hmsdesk_lab_{table}_moved AFTER UPDATE OF city_id ON {table}"
        " WHEN OLD.city_id IS NOT NEW.city_id BEGIN"
        " UPDATE package_lab_test SET city_id = NEW.city_id WHERE package_id IN"
        f" (SELECT id FROM price_package WHERE {column} = NEW.id); END"
        for table, column in _OWNERS
    ),
]


def statements(dialect: str) -> list[str]:
    """The column, its backfill, its index and its triggers, in order, for one backend."""
    if dialect == "sqlite":
        return [ADD_COLUMN, FILL_SQLITE, INDEX, *SQLITE_TRIGGERS]
    return [ADD_COLUMN, FILL_POSTGRES, INDEX, *POSTGRES_TRIGGERS]
