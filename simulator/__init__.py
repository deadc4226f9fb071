"""The office-day simulator behind `okno simulate` (and the living demo of `okno demo`).

A package and not a script in bench/: it is a product command that managers and the estimator's
authors run on their own scenarios (`okno simulate --scenario FILE`), and the demo runs it in the
background, so it ships inside the `okno` distribution with its standard scenarios. It drives a
REAL server through the same HTTP API as the kiosk and the desks, under the server's settable
simulation clock (OKNO_SIMULATION), and measures the day: KPIs and the accuracy of the wait
estimates the visitors were given.

Modules: `scenario` (the YAML file, validated with file:line errors), `engine` (the
discrete-event simulation), `client` (the HTTP calls), `server` (a throw-away server process),
`report` (KPIs, accuracy, table, JSON, plots), `cli` (`okno simulate`).
"""
