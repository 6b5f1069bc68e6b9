"""The connection budget arithmetic for several formations, beside the old rule of thumb."""

from ops.selectors.budget import Formation, PoolConfig, connection_budget


def _budget(formation: Formation, pool: PoolConfig, max_connections=100, reserved=3, headroom=5):
    return connection_budget(formation=formation, pool=pool, max_connections=max_connections, reserved=reserved,
                             headroom=headroom)


def test_it_counts_a_small_pooled_formation():
    budget = _budget(Formation(web=2, worker=1, beat=1, web_threads=90, worker_concurrency=2),
                     PoolConfig(pool_max=20, pool_min=2))
    # 2×(20 + the heartbeat's own), (2+1)×2, max(2,2), max(2,1)
    assert [n for _, _, n in budget.lines] == [42, 6, 2, 2]
    assert (budget.needed, budget.available, budget.spare, budget.fits) == (57, 97, 40, True)
    assert budget.verdict() == ("The formation needs up to 57 connections of the 97 available "
                                "(100 max_connections − 3 reserved): it fits, with 40 to spare.")
    # The old rule: 2 × 90 = 180 < 100 − 100 = 0 fails, though the pooled formation fits easily.
    assert (budget.rule_of_thumb_need, budget.rule_of_thumb_limit, budget.rule_of_thumb_fits) == (180, 0, False)


def test_it_says_how_far_short_a_formation_is_when_it_does_not_fit():
    budget = _budget(Formation(web=6, worker=4, beat=1), PoolConfig(pool_max=20, pool_min=2))
    assert budget.needed == 6 * 21 + 4 * 6 + 2 + 2 + 5 == 159
    assert not budget.fits and budget.spare == -62
    assert "it does not fit — 62 short" in budget.verdict()


def test_it_counts_one_connection_per_thread_when_pooling_is_off():
    budget = _budget(Formation(web=1, worker=2, beat=1, web_threads=16, worker_concurrency=4), PoolConfig(pool_max=0),
                     max_connections=500, reserved=3)
    assert [n for _, _, n in budget.lines] == [17, 10, 2, 1]  # 16 threads + heartbeat; 2 × (4 + 1); beat 2
    assert budget.needed == 35 and budget.fits
    assert budget.rule_of_thumb_fits and "would pass: 16 < 400" in budget.rule_of_thumb_verdict()


def test_it_caps_a_process_at_its_pool_max_and_counts_an_empty_formation():
    small_pool = PoolConfig(pool_max=4, pool_min=1)
    assert small_pool.per_process(91) == 4 and small_pool.per_process(1) == 1
    budget = _budget(Formation(web=0, worker=0, beat=0), small_pool, max_connections=20, reserved=0, headroom=0)
    assert budget.needed == 1  # only a release's migrate
