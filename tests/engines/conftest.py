"""Fixtures for tests that run the real engines: one Aspose worker pool per test module.

Starting an Aspose worker costs seconds (a spawned Python, .NET, the ONNX models), so the
pool lives as long as the module; tests that need a fresh one build their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.ocr.readers.aspose import AsposeWorkerConfig
from bot.ocr.run.processes import ProcessRunner


@pytest.fixture(scope="module")
def aspose_config(tmp_path_factory: pytest.TempPathFactory) -> AsposeWorkerConfig:
    # An empty models directory: only the bundled Latin model is available, as on a fresh
    # offline server.
    models: Path = tmp_path_factory.mktemp("aspose-models")
    return AsposeWorkerConfig(license_path=None, license_base64=None, models_dir=str(models))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def aspose_pool(aspose_config: AsposeWorkerConfig) -> AsyncIterator[ProcessRunner]:
    pool = ProcessRunner(aspose_config, workers=1, timeout_seconds=120.0, queue_size=4)
    await pool.start()
    try:
        yield pool
    finally:
        await pool.close()
