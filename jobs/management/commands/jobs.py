"""``manage.py jobs start KIND [FILE] --actor NAME | show ID | sweep``: jobs from the shell."""

import json

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from jobs import services
from jobs.models import Job
from jobs.runner import recover_stale


class Command(BaseCommand):
    help = "Queue a job for the worker, show one, or recover jobs whose worker died."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        start = sub.add_parser("start", help="queue a job; prints its id")
        start.add_argument("kind", choices=[k.value for k in Job.Kind])
        start.add_argument("file", nargs="?", help="input file for imports")
        start.add_argument("--actor", required=True, help="username or e-mail of the starter")
        start.add_argument("--param", action="append", default=[], help="key=value")
        start.add_argument(
            "--language", help="language of the job's messages (default: LANGUAGE_CODE)"
        )
        show = sub.add_parser("show", help="print a job as JSON")
        show.add_argument("id", type=int)
        sub.add_parser("sweep", help="re-queue or fail running jobs whose worker died")

    def handle(self, *args, action, **options):
        if action == "start":
            self.stdout.write(str(self._start(**options).pk))
        elif action == "show":
            job = Job.objects.filter(pk=options["id"]).values().first()
            if job is None:
                raise CommandError(f"no job {options['id']}")
            self.stdout.write(json.dumps(job, default=str, ensure_ascii=False))
        else:
            for job_id, what in recover_stale():
                self.stdout.write(f"job {job_id}: {what}")

    def _start(self, *, kind, file, actor, param, language=None, **options):
        users = get_user_model().objects
        user = users.filter(username=actor).first() or users.filter(email__iexact=actor).first()
        if user is None:
            raise CommandError(f"no user {actor!r}")
        params = dict(item.split("=", 1) for item in param)
        if "publish" in params:
            params["publish"] = params["publish"].lower() in ("1", "true", "yes")
        try:
            if file:
                with open(file, "rb") as handle:
                    return services.job_create(
                        kind=kind,
                        actor=user,
                        upload=File(handle, name=file),
                        params=params,
                        language=language,
                    )
            return services.job_create(kind=kind, actor=user, params=params, language=language)
        except ValidationError as exc:
            raise CommandError(str(exc.message_dict if hasattr(exc, "error_dict") else exc))
