"""Concurrent writers against a SQLite file database, run as its own process.

Started by ``test_sqlite_writers.py`` with DATABASE_URL naming a migrated file
database while the real task worker polls the same file. Each kind of write
the embedded default must hold runs ``--each`` times at once, in threads (one
database connection each), through the same services as the views, the slow
part of each (the password hash, reading the workbook) first, as the views do.
Prints one JSON object: the errors and what is found in the database after.
"""

import argparse
import json
import os
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qualicoop.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402

from commitments import editing, spreadsheet_import, workflow  # noqa: E402
from commitments.models import Project, Selection  # noqa: E402
from coops import invitations  # noqa: E402
from coops.models import Invitation, Membership  # noqa: E402
from tests import factories  # noqa: E402


def prepare(each: int) -> dict:
    """The cooperatives, selections and invitations the writers will touch."""
    campaign = factories.make_campaign()
    referent = factories.make_user("referente")
    work: dict[str, list] = {"accept": [], "create": [], "import": [], "submit": []}
    for index in range(each):
        coop = factories.make_coop(f"Coopérative invitante {index}")
        Membership.objects.create(user=referent, cooperative=coop, role=Membership.Role.REFERENT)
        invitation = invitations.invite(
            cooperative=coop,
            email=f"nouvelle{index}@example.org",
            role=Membership.Role.CONTRIBUTOR,
            by=referent,
        )
        work["accept"].append(invitation.pk)
        for kind in ("create", "import", "submit"):
            coop = factories.make_coop(f"Coopérative {kind} {index}")
            selection = factories.make_selection(coop, campaign, numbers=range(1, 9))
            work[kind].append(selection.pk)
    return work


def accept(invitation_id: int, index: int) -> str:
    invitation = Invitation.objects.get(pk=invitation_id)
    user = invitations.create_account_and_accept(
        invitation=invitation,
        first_name="Nouvelle",
        last_name=str(index),
        password=f"un-mot-de-passe-solide-{index}",
    )
    return user.username


def create(selection_id: int, index: int) -> str:
    choice = Selection.objects.get(pk=selection_id).choices.order_by("engagement__number")[0]
    title = f"Projet concurrent {index}"
    editing.create_project(
        choice,
        {
            "title": title,
            "description": "Écrit pendant que d'autres écrivent.",
            "objectives": "",
            "indicators": "",
            "target_date": None,
            "progress": Project.Progress.PLANNED,
        },
    )
    return title


def apply_import(selection_id: int, index: int) -> str:
    selection = Selection.objects.get(pk=selection_id)
    exported = spreadsheet_import.workbook(selection)
    sheets = spreadsheet_import.read_workbook("export.xlsx", BytesIO(exported), len(exported))
    title = f"Titre importé {index}"
    sheets.projects[0].cells["title"] = title
    planned = spreadsheet_import.plan(selection, sheets)
    spreadsheet_import.apply(selection, sheets, expected=planned.fingerprint(), by=None)
    return title


def submit(selection_id: int, index: int) -> str:
    workflow.submit_selection(selection=Selection.objects.get(pk=selection_id), by=None)
    return str(selection_id)


WRITERS = {"accept": accept, "create": create, "import": apply_import, "submit": submit}


def run(work: dict) -> dict:
    jobs = [(kind, target, index) for kind in WRITERS for index, target in enumerate(work[kind])]
    start = threading.Barrier(len(jobs))

    def one(job):
        kind, target, index = job
        try:
            start.wait()
            return kind, WRITERS[kind](target, index), None
        except Exception:
            return kind, None, traceback.format_exc(limit=4)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(one, jobs))
    done = {
        kind: [value for k, value, error in results if k == kind and not error] for kind in WRITERS
    }
    return {
        "errors": [error for _kind, _value, error in results if error],
        "acknowledged": {kind: len(values) for kind, values in done.items()},
        "present": {
            "accept": User.objects.filter(username__in=done["accept"]).count(),
            "create": Project.objects.filter(title__in=done["create"]).count(),
            "import": Project.objects.filter(title__in=done["import"]).count(),
            "submit": Selection.objects.filter(
                pk__in=[int(pk) for pk in done["submit"]], status=Selection.Status.SUBMITTED
            ).count(),
        },
    }


def drain(seconds: float) -> dict:
    """Wait for the worker to empty the queue; the tasks by final status."""
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + seconds
    while DBTaskResult.objects.ready().exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return dict(
        DBTaskResult.objects.values_list("status").annotate(count=Count("id")).order_by("status")
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--each", type=int, default=20)
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--work")
    parser.add_argument("--drain", type=float)
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(prepare(args.each)))
    elif args.drain:
        print(json.dumps(drain(args.drain)))
    else:
        print(json.dumps(run(json.loads(args.work))))


if __name__ == "__main__":
    main()
