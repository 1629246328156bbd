"""Builds the compiled kernels `topoeuler._C` against the installed PyTorch.

CPU kernels are always built; CUDA kernels are added when the installed PyTorch has CUDA
and a CUDA toolkit is found (``FORCE_CUDA=1`` forces them, ``TOPOEULER_CPU_ONLY=1`` skips them).
Metadata lives in pyproject.toml.
"""
import glob
import os

from setuptools import setup
from torch.utils.cpp_extension import CUDA_HOME, BuildExtension, CppExtension, CUDAExtension

import torch

ROOT = os.path.dirname(os.path.abspath(__file__))


def sources(pattern):
    return sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "csrc", "**", pattern), recursive=True))


HEADERS = sources("*.h") + sources("*.cuh")  # a header edit must rebuild too


def extension():
    # -ffp-contract=off: no fused multiply-add, so heights are rounded exactly as documented.
    # -fopenmp: ATen's at::parallel_for is inline (ParallelOpenMP.h) and runs serially without it.
    cxx = ["-O3", "-std=c++17", "-ffp-contract=off", "-fopenmp"]
    link = ["-fopenmp"]
    want_cuda = os.environ.get("FORCE_CUDA") == "1" or (torch.version.cuda is not None and CUDA_HOME is not None)
    if want_cuda and os.environ.get("TOPOEULER_CPU_ONLY") != "1":
        nvcc = ["-O3", "-std=c++17", "--fmad=false", "-lineinfo"]
        return CUDAExtension(
            "topoeuler._C",
            sources("*.cpp") + sources("*.cu"),
            include_dirs=[os.path.join(ROOT, "csrc")],
            depends=HEADERS,
            define_macros=[("TOPOEULER_WITH_CUDA", None)],
            extra_compile_args={"cxx": cxx, "nvcc": nvcc},
            extra_link_args=link,
        )
    return CppExtension(
        "topoeuler._C",
        sources("*.cpp"),
        include_dirs=[os.path.join(ROOT, "csrc")],
        depends=HEADERS,
        extra_compile_args={"cxx": cxx},
        extra_link_args=link,
    )


setup(ext_modules=[extension()], cmdclass={"build_ext": BuildExtension.with_options(use_ninja=True)})
