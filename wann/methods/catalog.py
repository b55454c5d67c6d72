"""Every comparison method, in the order they run and their rows appear: the standard rows of
the WANN paper's comparison, then the wider sparsity literature, then the reports.

A method with one function per task family says which families it runs on; the others are
refused with one line (wann.methods.registry.select).
"""

from __future__ import annotations

from wann.methods import classification as cl
from wann.methods import control as co
from wann.methods import literature as li
from wann.methods.registry import Method, register

CONTROL, CLASSIFICATION = "control", "classification"


def _both(control: object, classification: object) -> dict:
    return {CONTROL: control, CLASSIFICATION: classification}


for _m in (
    Method("fixed_topology", {CONTROL: co.fixed_topology}, standard=True, curve=False,
           label="the paper's fixed topology, trained"),
    Method("dense", _both(co.dense, cl.dense), standard=True, curve=False,
           label="the dense start, trained"),
    Method("pruned", li.pruned, needs=("dense",), standard=True,
           label="magnitude pruning + fine-tuning"),
    Method("lottery", li.lottery, needs=("dense",), standard=True,
           label="lottery tickets (rewinding)"),
    Method("signed_constant", li.signed_constant, needs=("dense",), standard=True,
           label="signed constants (untrained)"),
    Method("supermask", li.supermask, needs=("dense",), standard=True,
           label="supermasks (untrained)"),
    Method("random_mask", li.random_mask, needs=("dense",), standard=True,
           label="random masks + training"),
    Method("obd", li.obd, needs=("dense",), label="Optimal Brain Damage + retraining"),
    Method("structured_finetune", li.structured_finetune, needs=("dense",),
           label="structured pruning, fine-tuned"),
    Method("structured_scratch", li.structured_scratch, needs=("dense",),
           label="structured pruning, from scratch"),
    Method("lottery_reinit", li.lottery_reinit, needs=("dense", "lottery"),
           label="ticket masks, re-initialized"),
    Method("snip", li.snip, needs=("dense",), label="SNIP: pruned at initialization"),
    Method("set", {CLASSIFICATION: cl.sparse_evolutionary}, needs=("dense",),
           label="SET: pruned and regrown while training"),
    Method("kwta", _both(co.kwta, cl.kwta), report={CONTROL: co.kwta_report},
           label="k-winners-take-all, sparse weights"),
    Method("linear", _both(co.linear, cl.linear), curve=False,
           label="linear (inputs to outputs), trained"),
    Method("learned_supermask", {CLASSIFICATION: cl.learned}, needs=("dense",), standard=True,
           curve=False),
    Method("random_weights", {CLASSIFICATION: cl.untrained}, needs=("dense",), standard=True,
           curve=False),
    Method("layer_reinit", _both(co.no_rows, co.no_rows), needs=("dense",),
           report=_both(co.layer_reinit_report, cl.layer_reinit_report)),
    Method("noise", _both(co.no_rows, co.no_rows), uses=("kwta",),
           report=_both(co.noise_report, cl.noise_report)),
):
    register(_m)
