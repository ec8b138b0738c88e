"""Solver performance figures, and the same problem solved by FiPy side by side.

``rfsim bench`` measures, on this machine:

* the matrix-free operator (:func:`rfsim.numerics.kernels.apply_operator`): cells per second
  and the memory bandwidth that implies, next to a STREAM triad on the same threads;
* a 60 s lesion in the axisymmetric model (:func:`rfsim.physics.simulation.simulate`);
* the *peer problem* (:class:`PeerProblem`): one heterogeneous 3-D problem, the
  potential with a temperature-dependent conductivity and then Pennes steps with
  perfusion and the Joule source, solved once with rfsim's building blocks
  (:func:`rfsim.numerics.conductance.assemble_conductances` -> :class:`rfsim.numerics.cg.PCG`,
  as the simulator does) and
  once with FiPy on the same grid, each in its own fresh process so that its peak
  memory can be told apart.  The two discretisations are the same discrete system
  (harmonic face means, Dirichlet values on the boundary faces, backward Euler), so
  the answers must agree to solver tolerance before a speed ratio is printed.

Timings are wall-clock medians over repeats.  The JIT compilation is outside every
timed region: each worker process runs the whole pipeline once on a tiny grid
first.  Module-level imports are stdlib and NumPy only, because the CLI imports
this module on every command; Numba, SciPy and FiPy are imported where used.
"""

from rfsim.bench.compare import compare, fastest_fipy_solver
from rfsim.bench.fipy_peer import fipy_solvers, have_fipy, run_fipy
from rfsim.bench.peer import (PEER_MAXITER, PEER_RTOL, POTENTIAL_AGREEMENT, TEMPERATURE_AGREEMENT_K, PeerProblem,
                              joule_source, run_rfsim)
from rfsim.bench.report import FULL, QUICK, machine, report
from rfsim.bench.throughput import (OPERATOR_BYTES_PER_CELL, TRIAD_BYTES_PER_ELEMENT, compile_all, first_compile_s,
                                    lesion_time, operator_arrays, operator_throughput, operator_vs_triad, time_calls,
                                    triad_bandwidth)

__all__ = ["compare", "fastest_fipy_solver", "fipy_solvers", "have_fipy", "run_fipy", "PEER_MAXITER", "PEER_RTOL",
           "POTENTIAL_AGREEMENT", "TEMPERATURE_AGREEMENT_K", "PeerProblem", "joule_source", "run_rfsim", "FULL",
           "QUICK", "machine", "report", "OPERATOR_BYTES_PER_CELL", "TRIAD_BYTES_PER_ELEMENT", "compile_all",
           "first_compile_s", "lesion_time", "operator_arrays", "operator_throughput", "operator_vs_triad",
           "time_calls", "triad_bandwidth"]
