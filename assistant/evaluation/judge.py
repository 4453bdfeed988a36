"""An LLM judge for `judge` and `both` cases (0–10 against the case's rubric); only with an LLM configured."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from assistant.config import Settings
from assistant.evaluation.cases import Case
from assistant.reasoning import prompts

PASS_MARK = 7


class JudgeScore(BaseModel):
    score: int = Field(ge=0, le=10)
    reason: str


def make_judge(settings: Settings) -> Callable[[Case, str], tuple[bool, str]] | None:
    if not settings.llm_configured:
        return None
    from assistant.reasoning.chain import chat_model, structured

    model = structured(chat_model(settings), JudgeScore, settings.structured_output_method)

    def judge(case: Case, answer: str) -> tuple[bool, str]:
        text = prompts.render(
            settings.prompts_dir, "judge.md", criteria=case.judge_criteria, prompt=case.input, answer=answer[:12_000]
        )
        try:
            result = model.invoke(text).get("parsed")
        except Exception as exc:  # the judge failing is a failed judgement, said so
            return False, f"judge unavailable: {exc.__class__.__name__}"
        if not isinstance(result, JudgeScore):
            return False, "judge unavailable: its answer did not fit the schema"
        return result.score >= PASS_MARK, f"{result.score}/10: {result.reason}"

    return judge
