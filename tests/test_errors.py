"""Library errors name parameters, the command line names flags; lost workers are not bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

import wann
from wann.cli import main


def test_library_message_names_the_parameter_cli_the_flag(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(wann.WannError) as info:
        wann.make_evaluator(wann.get_task("cartpole"), "serial", 0)
    assert str(info.value) == "workers must be at least 1, got 0"
    assert info.value.cli_message() == "--workers must be at least 1, got 0"
    genome = Path(__file__).parent / "data" / "pre_change" / "plain" / "champion.json"
    assert main(["eval", str(genome), "--workers", "0"]) == 2
    assert capsys.readouterr().err == "wann: error: --workers must be at least 1, got 0\n"


def test_an_infrastructure_fault_exits_3(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture) -> None:
    import wann.commands.eval as eval_cmd

    def lost(args: object) -> int:
        raise wann.InfrastructureError("every pool worker that ran sub-batch 0 was lost")

    assert not issubclass(wann.InfrastructureError, wann.WannError)
    monkeypatch.setattr(eval_cmd, "run", lost)
    assert main(["eval", "x.json"]) == 3
    err = capsys.readouterr().err
    assert "infrastructure failure" in err and "was lost" in err and "error:" not in err
