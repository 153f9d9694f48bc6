"""The price table: what it holds, how it is validated, merged and resolved."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from claude_cost.core.errors import PriceTableError, UnknownModelError
from claude_cost.core.prices import bundled_path, check_file, load_table, resolve

PRICING_PAGE = {
    # model: (input, output) USD per MTok, from the pricing page
    "opus-4.7": ("5", "25"),
    "opus-4.6": ("5", "25"),
    "opus-4.5": ("5", "25"),
    "opus-4.1": ("15", "75"),
    "opus-4": ("15", "75"),
    "sonnet-4.6": ("3", "15"),
    "sonnet-4.5": ("3", "15"),
    "sonnet-4": ("3", "15"),
    "sonnet-3.7": ("3", "15"),
    "haiku-4.5": ("1", "5"),
    "haiku-3.5": ("0.8", "4"),
    "haiku-3": ("0.25", "1.25"),
    "opus-3": ("15", "75"),
    "haiku-5.5": ("0.1", "0.5"),
    "sonnet-5": ("2", "10"),
}


@pytest.mark.parametrize("alias,expected", sorted(PRICING_PAGE.items()))
def test_every_pricing_page_model_is_priced(table, alias, expected):
    model = resolve(table, alias).model
    assert (model.rates.input, model.rates.output) == (D(expected[0]), D(expected[1]))
    assert model.batch_input == model.rates.input / 2
    if alias != "haiku-3":  # Haiku 3 writes at $0.30, not 1.25 x $0.25 (pricing page)
        assert model.rates.cache_write_5m == model.rates.input * D("1.25")


def test_cache_read_multipliers_differ_per_model(table):
    ratio = {a: resolve(table, a).model.rates.cache_read / resolve(table, a).model.rates.input for a in ("opus-4.7", "opus-5.5", "fable-5.1")}
    assert ratio == {"opus-4.7": D("0.1"), "opus-5.5": D("0.05"), "fable-5.1": D("0.025")}


def test_mythos_models_priced_as_litellm_lists_them(table):
    # LiteLLM 1.110.2's price map (shared/data/price-sources), per token x 1,000,000
    got = {name: tuple(str(resolve(table, name).model.rates.get(c)) for c in ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read"))
           for name in ("claude-mythos-5", "claude-mythos-5-1", "claude-mythos-preview")}  # fmt: skip
    assert got == {"claude-mythos-5": ("10", "50", "12.5", "20", "1"), "claude-mythos-5-1": ("10", "50", "12.5", "20", "0.25"),
                   "claude-mythos-preview": ("10", "50", "12.5", "20", "1")}  # fmt: skip
    preview = resolve(table, "claude-mythos-preview").model
    assert str(preview.retired) == "2026-06-30" and "unconfirmed" in preview.source
    with pytest.raises(UnknownModelError) as exc:
        resolve(table, "claude-mythos-9")
    assert f"The price table is as of {table.as_of}" in exc.value.hint and "claude-cost prices update" in exc.value.hint


@pytest.mark.parametrize(
    "name,model_id",
    [
        ("claude-opus-4-7", "claude-opus-4-7"),
        ("OPUS-4.7", "claude-opus-4-7"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-3-7-sonnet-latest", "claude-3-7-sonnet-20250219"),
        ("anthropic.claude-opus-4-6-v1", "claude-opus-4-6"),
        ("global.anthropic.claude-opus-4-6-v1", "claude-opus-4-6"),
        ("eu.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5"),
        ("apac.anthropic.claude-sonnet-4-20250514-v1:0", "claude-sonnet-4-0"),
        ("anthropic.claude-haiku-5-5", "claude-haiku-5-5"),
        ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5"),
        ("claude-opus-4-1@20250805", "claude-opus-4-1"),
        ("claude-sonnet-4@20250514", "claude-sonnet-4-0"),
    ],
)
def test_aliases_and_platform_ids(table, name, model_id):
    assert resolve(table, name).model.id == model_id


def test_unknown_model_suggests(table):
    with pytest.raises(UnknownModelError) as info:
        resolve(table, "sonet-4.6")
    assert "sonnet-4.6" in info.value.hint


def test_bundled_file_is_inside_the_package():
    path = bundled_path()
    assert path.name == "prices.toml" and path.parent.name == "claude_cost" and path.is_file()


def write(tmp_path, text, name="p.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_user_file_overrides_and_adds(tmp_path):
    path = write(
        tmp_path,
        """
[models."opus-4.7"]
input = 4
[models.claude-newmodel-1]
aliases = ["new-1"]
input = 1
output = 2
cache_write_5m = 1.25
cache_write_1h = 2
cache_read = 0.1
batch_input = 0.5
batch_output = 1
""",
    )
    table = load_table(path)
    assert resolve(table, "opus-4.7").model.rates.input == D(4)
    assert resolve(table, "opus-4.7").model.rates.output == D(25)  # untouched keys stay
    assert resolve(table, "new-1").model.id == "claude-newmodel-1"


def test_unquoted_dotted_alias_gets_a_hint(tmp_path):
    with pytest.raises(PriceTableError) as info:
        check_file(write(tmp_path, "[models.opus-4.7]\ninput = 4\n"))
    assert 'quote' in info.value.hint


def test_env_var_names_the_user_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_COST_PRICES", str(write(tmp_path, "[models.claude-opus-4-7]\noutput = 20\n")))
    assert resolve(load_table(), "opus-4.7").model.rates.output == D(20)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("[models.claude-opus-4-7]\ninput = -1\n", r"models.claude-opus-4-7.input: must not be negative"),
        ("[models.claude-opus-4-7]\ninptu = 1\n", r"models.claude-opus-4-7.inptu: unknown key"),
        ("[models.claude-x]\ninput = 1\noutput = 2\n", r"models.claude-x.cache_write_5m: missing"),
        ("[models.claude-opus-4-7]\naliases = [\"sonnet-4.6\"]\n", r"duplicate alias 'sonnet-4.6'"),
        ("[models.claude-opus-4-7]\ninput = \"5\"\n", r"models.claude-opus-4-7.input: must be a number"),
        ("[models.claude-opus-4-7]\nretired = \"2026-01-01\"\n", r"retired: must be a date"),
        ("[models.claude-opus-4-7\n", r"not valid TOML"),
        ("colour = 1\n", r"colour: unknown key"),
        (
            "[[models.claude-opus-4-7.long_context]]\nthreshold = 200000\ninput=1\noutput=1\ncache_write_5m=1\ncache_write_1h=1\ncache_read=1\n"
            "[[models.claude-opus-4-7.long_context]]\nthreshold = 100000\ninput=1\noutput=1\ncache_write_5m=1\ncache_write_1h=1\ncache_read=1\n",
            r"thresholds out of order",
        ),
    ],
)
def test_validation_names_file_model_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(PriceTableError, match=expected) as info:
        check_file(path)
    assert str(path) in info.value.message


def test_unknown_key_suggests_the_right_one(tmp_path):
    with pytest.raises(PriceTableError) as info:
        check_file(write(tmp_path, "[models.claude-opus-4-7]\ncache_reads = 1\n"))
    assert "cache_read" in info.value.hint


def test_missing_file(tmp_path):
    with pytest.raises(PriceTableError, match="not found"):
        check_file(tmp_path / "nope.toml")


def test_prices_cli_lists_every_model(cli, table):
    out = cli("prices").stdout
    for model_id in table.models:
        assert model_id in out
    assert "claude-opus-4-7" in out and "2.5/12.5" in out


def test_prices_cli_one_model_shows_rules(cli):
    out = cli("prices", "opus-4.6").stdout
    assert "$30 / $150" in out and "2026-03-13" in out and "4,096" in out


def test_prices_check_cli(cli, tmp_path):
    good = write(tmp_path, "[models.claude-opus-4-7]\ninput = 4.5\n", "good.toml")
    assert "ok" in cli("prices", "--check", good).stdout
    bad = write(tmp_path, "[models.claude-opus-4-7]\ninput = -4.5\n", "bad.toml")
    r = cli("prices", "--check", bad, code=2)
    assert "bad.toml: models.claude-opus-4-7.input: must not be negative" in r.stderr
    assert "Traceback" not in r.stderr


def test_prices_json(cli):
    doc = cli.json("prices", "--at", "2026-02-01")
    assert doc["schema_version"] == 1 and doc["date"] == "2026-02-01"
    assert doc["models"]["claude-opus-4-7"]["cache_write_1h"] == "10"  # $5 x 2
    assert doc["models"]["claude-3-5-haiku-20241022"]["retired"] == "2026-02-19"
    # one model: the same document with that model alone
    one = cli.json("prices", "opus-4.6")
    assert list(one["models"]) == ["claude-opus-4-6"] and one["models"]["claude-opus-4-6"]["input"] == "5"


def test_a_parsed_table_is_kept_and_a_changed_file_read_again(tmp_path):
    """The parse cache (issue 24: start-up): the second load reads the cache, an edited file is
    parsed again, a damaged cache entry is ignored, and the values keep their types."""
    import os

    from claude_cost.core import cachefile

    path = write(tmp_path, '[models."opus-4.7"]\ninput = 4.25\n')
    assert resolve(load_table(path), "opus-4.7").model.rates.input == D("4.25")
    kept = sorted((cachefile.cache_home()).glob("prices-*.marshal"))
    assert len(kept) == 2  # the bundled table and this one
    first = load_table(path)
    assert resolve(first, "opus-4.7").model.rates.input == D("4.25") and isinstance(first.as_of, type(load_table(use_env=False).as_of))
    path.write_text('[models."opus-4.7"]\ninput = 4.5\n')  # same size, new content
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert resolve(load_table(path), "opus-4.7").model.rates.input == D("4.5")
    for entry in cachefile.cache_home().glob("prices-*.marshal"):
        entry.write_bytes(b"\x00damaged")
    assert resolve(load_table(path), "opus-4.7").model.rates.input == D("4.5")
    path.write_text('[models."opus-4.7"]\ninput = [oops\n')
    with pytest.raises(PriceTableError, match="not valid TOML"):
        load_table(path)
