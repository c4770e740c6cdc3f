"""The six fixed направленности. They are created by a data migration and re-created after every
`flush` (Django emits post_migrate then; transactional tests flush the database after each test)."""

DIRECTIONS = [
    ("technical", "Техническая"),
    ("science", "Естественнонаучная"),
    ("sports", "Физкультурно-спортивная"),
    ("arts", "Художественная"),
    ("tourism", "Туристско-краеведческая"),
    ("social", "Социально-гуманитарная"),
]


def ensure_directions(direction_model, using: str = "default") -> None:
    """Create the six directions where missing (takes the model so that migrations can pass theirs)."""
    for position, (code, name) in enumerate(DIRECTIONS, start=1):
        direction_model.objects.using(using).get_or_create(code=code, defaults={"name": name, "position": position})


def directions_after_migrate(sender, using="default", **kwargs) -> None:
    from catalog.models import Direction

    ensure_directions(Direction, using=using)
