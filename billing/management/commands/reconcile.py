"""`manage.py reconcile`: prove the ledger, the reserves, the charges and the statements agree; exit
non-zero and print every mismatch when anything is off."""

from django.core.management.base import BaseCommand, CommandError

from billing.reconciliation import DEFAULT_LIMIT, reconciliation_run


class Command(BaseCommand):
    help = (
        "Reconcile: every certificate account against its ledger, contracts' reserves against their rows, "
        "charges against marks and the ledger, statements against their lines. Exits 1 on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=DEFAULT_LIMIT,
            help=f"wrong rows printed per check (default {DEFAULT_LIMIT}; 0: all); the counts are always exact",
        )

    def handle(self, *args, limit: int, **options):
        run, report = reconciliation_run(limit=limit)
        for result in report.results:
            if result.ok:
                self.stdout.write(f"ok        {result.name} ({result.seconds:.1f} s): {result.description}")
                continue
            self.stdout.write(
                self.style.ERROR(
                    f"MISMATCH  {result.name}: {result.count} ({result.description}; {result.seconds:.1f} s)"
                )
            )
            for row in result.rows:
                self.stdout.write(
                    "          " + ", ".join(f"{c}={v}" for c, v in zip(result.columns, row, strict=True))
                )
            if result.count > len(result.rows):
                self.stdout.write(f"          … and {result.count - len(result.rows)} more (--limit 0 prints all)")
        for note in report.notes:
            self.stdout.write(f"note      {note}")
        seconds = (report.finished_at - report.started_at).total_seconds()
        if not report.ok:
            raise CommandError(
                f"reconciliation failed: {report.mismatches} mismatches (run {run.key}, {seconds:.1f} s)"
            )
        self.stdout.write(
            self.style.SUCCESS(f"reconciled: no mismatches ({len(report.results)} checks, {seconds:.1f} s)")
        )
