"""A scripted model for tests: replies are queued, prompts are recorded, nothing is loaded.

In the manner of ``llm``'s MockModel and httpx's MockTransport: every branch of the answer path (the
model says NO, gives up, answers without markers, is wrong then right, is unavailable) can be driven
in milliseconds, with no weights and no answer that depends on the CPU.

    fake = FakeLLM(replies=["YES", "沙嶺數據園可提供25萬平方米樓面面積[1]。"])
    answer = Bot(settings, llm=fake).answer("沙嶺數據園有幾大？", backend="bundled")
    fake.prompts[-1]  # the messages the answer was written from
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rag.llm.backends import LLM, Message

#: A queued reply: the text, an exception to raise instead, or a function of the messages giving the text.
Reply = str | BaseException | Callable[[list[Message]], str]


@dataclass
class FakeLLM(LLM):
    """Answers each ``stream``/``complete`` with the next queued reply, in pieces of ``piece`` characters.

    ``probabilities`` are ``yes_probability``'s answers in turn (None: the backend gives none). Running
    out of either queue fails the test with the prompt that found it empty, rather than inventing a reply.
    """

    name: str = "fake"
    context_window: int = 4096
    replies: list[Reply] = field(default_factory=list)
    probabilities: list[float | None] = field(default_factory=list)
    piece: int = 3
    #: Every chat the model was given, in order (``yes_probability``'s too).
    prompts: list[list[Message]] = field(default_factory=list)
    #: Every chat ``prime`` was given (the article mode's system turns, at warm-up).
    primed: list[list[Message]] = field(default_factory=list)

    def queue(self, *replies: Reply) -> FakeLLM:
        self.replies.extend(replies)
        return self

    def stream(self, messages: list[Message], max_tokens: int = 256, stop: list[str] | None = None) -> Iterator[str]:
        self.prompts.append(messages)
        if not self.replies:
            raise AssertionError(f"FakeLLM: no reply queued for: {messages[-1]['content'][-300:]!r}")
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        text = reply(messages) if callable(reply) else reply
        for i in range(0, len(text), self.piece):
            yield text[i:i + self.piece]

    def prime(self, messages: list[Message]) -> str:
        """Nothing to read: recorded in ``primed``, and no queued reply used."""
        self.primed.append(messages)
        return "primed"

    def yes_probability(self, messages: list[Message]) -> float | None:
        self.prompts.append(messages)
        if not self.probabilities:
            raise AssertionError(f"FakeLLM: no probability queued for: {messages[-1]['content'][-300:]!r}")
        return self.probabilities.pop(0)
