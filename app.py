"""The chat app: ``python app.py`` (what ``make run`` does) serves http://127.0.0.1:7860 (rag/web.py)."""

from rag.web import main

if __name__ == "__main__":
    main()
