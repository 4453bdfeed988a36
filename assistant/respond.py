"""The one entry point for free text (`assistant ask`, the eval runner's prompts): the intent router decides, then a
question gets a grounded answer, a plan to change the stack gets a review, and a question that reads like a plan too
gets the answer with its review offered (or taken, where the caller reviews plans). The TUI routes with the same
`route` before its workers start, then calls the same two services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.models import Answer, Verdict
from assistant.reasoning.intent import Route, route

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.knowledge_base.knowledge import Knowledge


@dataclass
class Response:
    route: Route
    answer: Answer | None = None  # a question's answer (also for `both`)
    verdict: Verdict | None = None  # a plan's review (for `both` only when the caller asked to take it)


def respond(
    text: str,
    settings: Settings,
    knowledge: Knowledge,
    *,
    ref: str = "-",
    review_plans: bool = False,
    where: Route | None = None,
) -> Response:
    """Route `text` (unless the caller already did: `where`) and answer or review it; `review_plans` also reviews a
    question that reads like a plan."""
    from assistant.pipeline import review_text
    from assistant.reasoning.ask import answer_question

    where = where or route(text).route
    if where == "review":
        return Response(where, verdict=review_text(text, settings, ref=ref, knowledge=knowledge))
    answer = answer_question(text, knowledge, settings)
    plan = review_text(text, settings, ref=ref, knowledge=knowledge) if where == "both" and review_plans else None
    return Response(where, answer=answer, verdict=plan)
