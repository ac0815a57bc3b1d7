"""``python -m rag.llm.server ARGS``: llama-cpp-python's OpenAI-compatible server, safe on AMX CPUs.

The same as ``python -m llama_cpp.server ARGS`` (same arguments), with ``rag.llm.backends``'s fix for the
AMX crash applied first (see ``no_weight_repacking_on_amx``): without it, the server serving the
bundled GGUF on such a CPU dies on the first prompt longer than a few tokens. The tests start it to
test the ``openai`` backend against a real server; operators may use it the same way.
"""

from __future__ import annotations

from rag.llm.backends import no_weight_repacking_on_amx

if __name__ == "__main__":
    no_weight_repacking_on_amx()
    from llama_cpp.server.__main__ import main

    main()
