"""Accelerators sized from die specs, kernel-level footprints, training and inference
workloads, and green-AI levers.

    import lca
    lca.kernel("gemm", device="h100-sxm5", dtype="bf16", m=8192, n=8192, k=8192).to_dict()
    lca.train(params=175e9, tokens=300e9, device="v100", count=10_000, efficiency=0.197,
              power=330, pue=1.1, grid=0.429).to_dict()
    lca.infer(params=70e9, device="h100-sxm5", count=8, batch=64).to_dict()
    lca.accelerator_embodied("h100-sxm5", method="clemm2024").to_dict()

Modules: ``devices`` (device figures, module and host embodied), ``kernels`` (roofline,
power model), ``workloads`` (training, inference), ``levers`` (what-ifs).
"""

from .devices import Device, ModuleEmbodied, accelerator_embodied, device, module_bom
from .kernels import KernelResult, kernel
from .levers import apply_levers, reported_savings
from .workloads import WorkloadResult, infer, train

__all__ = ["Device", "ModuleEmbodied", "accelerator_embodied", "device", "module_bom",
           "KernelResult", "kernel", "WorkloadResult", "train", "infer", "apply_levers",
           "reported_savings"]
