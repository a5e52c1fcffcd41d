"""Helper process for the concurrency test: append N entries to the log at URL."""
import sys

from audit import db as audit_db
from audit import log


def main(url, name, count):
    database = audit_db.open_url(url)
    audit_db.database.initialize(database)
    with database.connection_context():
        for i in range(count):
            with database.atomic():
                log.append(name, "test.concurrent", "worker", f"{name}-{i}", {"i": i})
                if i % 10 == 0:  # several entries in one transaction too
                    log.append(name, "test.concurrent", "worker", f"{name}-{i}b", {"i": i})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
