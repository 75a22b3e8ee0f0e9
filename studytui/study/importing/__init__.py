"""Import notes as cards: Markdown in its many Q&A shapes, Anki packages and text exports, Mochi.

    result = parse_files([Path("notes.md")], deck="resnet-notes")
    result.cards      # [ImportedCard(id, question, answer, line, source, type)]
    result.skipped    # [Skipped(line, why, source)]: every question-like thing not imported
    merge_topic(result, "resnet-notes", imported_dir(db))   # write imported/resnet-notes.yaml

Modules: blocks (markdown-it -> blocks), markdown (the Markdown formats), flat (Anki text, Mochi),
apkg (Anki packages), html (field HTML -> Markdown), text (matching keys, labels, checks),
core (reading with bounds, ids, de-duplication), merge (the topic file, identity, orphans).
"""

from studytui.study.importing.core import (
    MAX_FILE_BYTES, finish, parse_files, parse_markdown, read_text, source_name,
)
from studytui.study.importing.merge import (
    ORPHAN_TAG, RESERVED_DECKS, MergeReport, atomic_write, check_deck_name, merge_topic, prune_topic,
)
from studytui.study.importing.model import Candidate, ImportedCard, ImportError_, ImportResult, Skipped
from studytui.study.importing.text import card_id, normalize_question, question_like, slugify

__all__ = [
    "MAX_FILE_BYTES", "ORPHAN_TAG", "RESERVED_DECKS", "Candidate", "ImportError_", "ImportResult", "ImportedCard",
    "MergeReport", "Skipped", "atomic_write", "card_id", "check_deck_name", "finish", "merge_topic",
    "normalize_question", "parse_files", "parse_markdown", "prune_topic", "question_like", "read_text", "slugify",
    "source_name",
]
