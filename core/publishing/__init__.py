"""Publishing: the Publish and Retry errors actions, the queue, and the worker that unlocks.

`actions` and `retry` are what an admin does; `queue` says who goes next; `unlocking` runs one
chunk of the queue in one transaction, applying `failure_rule` and keeping `unlock_counts`;
`worker` loops over chunks paced by `throttle` and `publish_rate`, and `worker_thread` runs that
loop in the app's background. `batch_report` and `publish_notes` are what the command line and
the pages show. The SQL lives in core/store/duckdb/publishing*.py.
"""
