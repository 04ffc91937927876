"""The bench's percentiles (akig_ops.lib.bench.Mesure), by hand."""
from akig_ops.lib.bench import Mesure


def test_p95_is_the_nearest_rank():
    # 20 runs of 1..20 ms: p95 is the 19th fastest (rank ⌈0.95 × 20⌉ = 19), not the slowest.
    mesure = Mesure.depuis([float(i) for i in range(20, 0, -1)])
    assert (mesure.n, mesure.p50, mesure.p95, mesure.maximum) == (20, 10.5, 19.0, 20.0)
    # 100 runs: the 95th; 5 runs: rank ⌈4.75⌉ = 5, the slowest.
    assert Mesure.depuis([float(i) for i in range(1, 101)]).p95 == 95.0
    assert Mesure.depuis([1.0, 2.0, 3.0, 4.0, 5.0]).p95 == 5.0
    assert Mesure.depuis([7.0]).p95 == 7.0
