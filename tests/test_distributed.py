"""torchrun support: contexts from the environment and deterministic contiguous shards."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from intriguing.distributed import Context, from_env, shard


@given(st.integers(0, 10_000), st.integers(1, 64))
def test_shards_cover_every_index_once_in_rank_order(n, world):
    blocks = [shard(n, Context(rank, world)) for rank in range(world)]
    assert blocks[0][0] == 0 and blocks[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))  # contiguous, in rank order
    sizes = [stop - start for start, stop in blocks]
    assert max(sizes) - min(sizes) <= 1


def test_context_from_torchrun_environment(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert from_env() == Context() and not from_env().active
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "2")
    monkeypatch.setenv("LOCAL_RANK", "0")
    ctx = from_env()
    assert (ctx.rank, ctx.world, ctx.local_rank, ctx.is_main, ctx.active) == (2, 4, 0, False, True)
