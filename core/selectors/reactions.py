"""Like and comment counts per entry, for the digest.

The interface the digest depends on. Likes and comments are the web app's models (issue 3); until
they exist here every entry has none. Wire this to them with one aggregate query per call.
"""


def entry_reaction_counts(*, entry_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{entry id: (likes, comments)} for the entries that have any."""
    return {}
