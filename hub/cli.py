"""The ``seoul-hub`` command: run the platform and manage accounts.

seoul-hub up                      start the proxy and the hub (idempotent)
seoul-hub down [--servers]        stop them (and the user containers)
seoul-hub restart-hub             restart the hub; user servers keep running
seoul-hub account add NAME --group analyst [--admin]
seoul-hub account passwd NAME
seoul-hub account groups NAME --group staff [--admin | --no-admin]
seoul-hub account list | remove NAME
seoul-hub ensure-admin [NAME]     create the first administrator if missing
seoul-hub backup FILE             the platform's state in one tar.gz (hub/backup.py)
seoul-hub restore FILE [--force]  put a backup back (the hub and proxy stopped)
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from hub import processes
from hub.accounts import GROUPS, AccountError, AccountStore
from hub.backup import NOT_INCLUDED, create_backup, restore_backup
from hub.default_policy import default_policy
from hub.quota_policy import PolicyError
from hub.quota_store import QuotaStore
from hub.settings import HubSettings, SettingsError
from hub.usage import COLUMNS as USAGE_COLUMNS
from hub.usage import current_month, month_bounds, to_csv, usage


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = HubSettings.from_env()
        return args.run(settings, args) or 0
    except (AccountError, SettingsError, PolicyError, ValueError, processes.ProcessError) as e:
        print(f"seoul-hub: {e}", file=sys.stderr)
        return 2


def _up(settings: HubSettings, args) -> None:
    processes.start_proxy(settings)
    processes.start_hub(settings)
    print(f"Seoul Data Hub is running at {settings.bind_url}")


def _down(settings: HubSettings, args) -> None:
    for name in ("hub", "proxy"):
        if processes.stop(settings, name):
            print(f"stopped {name}")
    if args.servers:
        from hub.containers import remove_by_prefix
        from hub.homes import unmount_all

        for name in remove_by_prefix(settings.docker_host, settings.container_prefix):
            print(f"removed container {name}")
        unmount_all(settings.homes_dir)  # the images stay: the homes are the users' work


def _restart_hub(settings: HubSettings, args) -> None:
    processes.stop(settings, "hub")
    processes.start_hub(settings)
    print("hub restarted")


def _account_add(settings: HubSettings, args) -> None:
    password = AccountStore(settings.accounts_db).add(
        args.name, groups=args.group or ["staff"], admin=args.admin, password=_stdin_password(args)
    )
    _print_password(args.name, password)


def _account_passwd(settings: HubSettings, args) -> None:
    password = AccountStore(settings.accounts_db).set_password(args.name, _stdin_password(args))
    _print_password(args.name, password)


def _account_groups(settings: HubSettings, args) -> None:
    AccountStore(settings.accounts_db).set_groups(args.name, args.group, admin=args.admin)
    print(f"{args.name}: groups {', '.join(sorted(set(args.group)))} (applied at next login)")


def _account_list(settings: HubSettings, args) -> None:
    for account in AccountStore(settings.accounts_db).list():
        admin = " (admin)" if account.admin else ""
        print(f"{account.name}\t{','.join(account.groups)}{admin}")


def _account_remove(settings: HubSettings, args) -> None:
    AccountStore(settings.accounts_db).remove(args.name)
    print(f"removed account {args.name}")


def _ensure_admin(settings: HubSettings, args) -> None:
    store = AccountStore(settings.accounts_db)
    if store.get(args.name):
        print(
            f"Administrator account: {args.name} (exists; a new password:"
            f" `seoul-hub account passwd {args.name}`)"
        )
        return
    password = store.add(args.name, groups=["admin"], admin=True)
    _print_password(args.name, password)


def _quota_store(settings: HubSettings) -> QuotaStore:
    store = QuotaStore(settings.quota_db)
    store.ensure_policy(default_policy(settings))
    return store


def _quota_show(settings: HubSettings, args) -> None:
    print(json.dumps(_quota_store(settings).policy().to_document(), ensure_ascii=False, indent=2))


def _quota_set(settings: HubSettings, args) -> None:
    try:
        document = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise AccountError(f"cannot read {args.file}: {e}") from None
    actor = f"cli:{getpass.getuser()}"
    _quota_store(settings).set_policy(document, actor=actor)
    print("policy in force; it applies from each user's next server start")


def _quota_usage(settings: HubSettings, args) -> None:
    start, end = month_bounds(args.month)
    rows = usage(_quota_store(settings).sessions(since=start, until=end), start, end, by=args.by)
    if args.csv:
        sys.stdout.write(to_csv(rows, "사용자" if args.by == "user" else "그룹"))
        return
    for row in rows:
        print("\t".join(str(row[c]) for c in USAGE_COLUMNS))


def _quota_audit(settings: HubSettings, args) -> None:
    for entry in _quota_store(settings).audit_log(limit=args.limit):
        when = datetime.fromtimestamp(entry["time"], UTC).isoformat(timespec="seconds")
        print(f"{when}\t{entry['actor']}\t{entry['action']}\t{entry['target']}")


def _backup(settings: HubSettings, args) -> None:
    manifest = create_backup(settings, Path(args.file))
    for member in manifest["members"]:
        print(f"{member['name']}\t{member['size']} bytes")
    print(f"backup written to {args.file} (keep it as private as the state directory)")
    print(f"not included: {'; '.join(NOT_INCLUDED)}")


def _restore(settings: HubSettings, args) -> None:
    lines = restore_backup(
        settings, Path(args.file), force=args.force, new_secrets=args.new_secrets
    )
    print("\n".join(lines))
    print("restored; start the platform with `seoul-hub up`")


def _print_password(name: str, password: str) -> None:
    print(f"user: {name}\npassword: {password}\n(shown once; keep it safe)")


def _stdin_password(args) -> str | None:
    return sys.stdin.readline().rstrip("\n") if args.password_stdin else None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seoul-hub", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    commands.add_parser("up", help="start the proxy and the hub").set_defaults(run=_up)
    down = commands.add_parser("down", help="stop the hub and the proxy")
    down.add_argument("--servers", action="store_true", help="also remove user containers")
    down.set_defaults(run=_down)
    commands.add_parser("restart-hub", help="restart the hub only").set_defaults(run=_restart_hub)

    admin = commands.add_parser("ensure-admin", help="create the first administrator")
    admin.add_argument("name", nargs="?", default="admin")
    admin.set_defaults(run=_ensure_admin)

    account = commands.add_parser("account", help="manage password accounts")
    verbs = account.add_subparsers(required=True, metavar="VERB")
    add = verbs.add_parser("add", help="create an account; prints its password once")
    add.add_argument("name")
    add.add_argument("--group", action="append", choices=GROUPS, help="repeatable")
    add.add_argument("--admin", action="store_true")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(run=_account_add)
    passwd = verbs.add_parser("passwd", help="set a new password (and unlock)")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(run=_account_passwd)
    groups = verbs.add_parser("groups", help="replace an account's groups")
    groups.add_argument("name")
    groups.add_argument("--group", action="append", choices=GROUPS, required=True)
    groups.add_argument("--admin", action=argparse.BooleanOptionalAction, default=None)
    groups.set_defaults(run=_account_groups)
    verbs.add_parser("list", help="list accounts").set_defaults(run=_account_list)
    remove = verbs.add_parser("remove", help="delete an account")
    remove.add_argument("name")
    remove.set_defaults(run=_account_remove)

    quota = commands.add_parser("quota", help="the quota policy, usage and audit log")
    quota_verbs = quota.add_subparsers(required=True, metavar="VERB")
    quota_verbs.add_parser("show", help="print the policy in force").set_defaults(run=_quota_show)
    put = quota_verbs.add_parser("set", help="put a policy document (JSON) in force")
    put.add_argument("file")
    put.set_defaults(run=_quota_set)
    used = quota_verbs.add_parser("usage", help="CPU-, memory- and GPU-hours of a month")
    used.add_argument("--month", default=current_month(), help="YYYY-MM, a Seoul month")
    used.add_argument("--by", choices=("user", "group"), default="user")
    used.add_argument("--csv", action="store_true")
    used.set_defaults(run=_quota_usage)
    log = quota_verbs.add_parser("audit", help="who changed what, newest first")
    log.add_argument("--limit", type=int, default=50)
    log.set_defaults(run=_quota_audit)

    not_included = (
        "Not included: the data files (re-ingest them with `seoul-data ingest`) and the"
        " users' home images, which stay in SDH_HOMES_DIR (back that folder up as files)."
    )
    save = commands.add_parser(
        "backup",
        help="write the platform's state to FILE (tar.gz); safe while it runs",
        description="Accounts, quota policy, usage and audit, the hub database, the dataset"
        " catalog and the hub's secrets, with a manifest of SHA-256 sums. " + not_included,
    )
    save.add_argument("file", help="the new backup file (never overwritten)")
    save.set_defaults(run=_backup)
    load = commands.add_parser(
        "restore",
        help="restore a backup (stop the hub and the proxy first)",
        description="Checks the manifest and every hash before writing anything. An existing"
        " catalog in the data directory is kept unless --force. " + not_included,
    )
    load.add_argument("file")
    load.add_argument(
        "--force",
        action="store_true",
        help="replace existing state (and the data directory's catalog)",
    )
    load.add_argument(
        "--new-secrets",
        action="store_true",
        help="leave out the cookie secret and proxy token: the hub makes new ones"
        " (a copy on another machine; everyone signs in again)",
    )
    load.set_defaults(run=_restore)
    return parser


if __name__ == "__main__":
    sys.exit(main())
