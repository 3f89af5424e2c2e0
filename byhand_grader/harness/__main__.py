"""The harness's entry point: ``python -m byhand_grader.harness`` (inside the sandbox)."""

from byhand_grader.harness.supervisor import main

raise SystemExit(main())
