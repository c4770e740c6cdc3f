"""What the catalog's search keeps beside the catalog: facts it would otherwise compute in every query."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The bit of GroupFreeSeats.free_bits set for every row (an open group with a seat left, scheduled or
# not); bits 0–20 are catalog_schedule_bit()'s (weekday × part of day), as in Program.schedule_mask.
ANY_FREE_GROUP = 1 << 21


class GroupFreeSeats(models.Model):
    """An open group with a seat left, and when it meets: the search's index of the seats count, as
    Program.schedule_mask is of the schedule.

    Kept by database triggers in the transaction of every change that can take or free a seat, under
    the group's lock (search/migrations/sql/0001_group_free_seats.sql), refreshed nightly for what the
    date changes; never written by Django. Seats themselves stay counted (enrollments.selectors).
    """

    # No foreign key constraints: the rows follow the groups by trigger, and the nightly refresh drops
    # any row a TRUNCATE or a raw delete left behind.
    group = models.OneToOneField(
        "catalog.Group",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("группа"),
    )
    program = models.ForeignKey(
        "catalog.Program",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("программа"),
    )
    # ANY_FREE_GROUP | the (weekday, part of day) bits of the group's lessons.
    free_bits = models.IntegerField(_("ячейки расписания"))

    class Meta:
        verbose_name = _("группа со свободными местами")
        verbose_name_plural = _("группы со свободными местами")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(free_bits__gte=ANY_FREE_GROUP, free_bits__lt=2 * ANY_FREE_GROUP),
                name="group_free_bits_any_set",
            )
        ]
        # The search's EXISTS per program, read from the index alone.
        indexes = [models.Index(fields=["program"], include=["free_bits"], name="group_free_seats_program")]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.free_bits:#x}"


class CatalogIndexFeed(models.Model):
    """Whether the database feeds the catalog's search index (search.engine): one row once the index has
    been built, and from then on the triggers of search/migrations/sql/0002_catalog_index_feed.sql write
    an outbox message for every change of a program the index holds. Without the row (no index in this
    deployment) they write nothing."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    switched_on_at = models.DateTimeField(_("включено"))

    class Meta:
        verbose_name = _("обновление поискового индекса")
        verbose_name_plural = _("обновление поискового индекса")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="catalog_index_feed_single_row")]

    def __str__(self) -> str:
        return f"{self.switched_on_at:%Y-%m-%d %H:%M}"
