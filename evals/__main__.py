import sys

if sys.argv[1:2] == ["compare"]:
    # ``python -m evals compare RUN_A RUN_B``: reads two earlier runs, without loading the bot (evals.runner
    # hands ``compare`` on as well, for ``budget-bot eval compare``).
    from evals.compare import main as compare

    sys.exit(compare(sys.argv[2:]))

from evals.runner import main

sys.exit(main())
