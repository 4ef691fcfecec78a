"""Graph measures of a school network: tiny and edge graphs, and their meaning in words."""

import json
import random
import time

import networkx as nx
import pytest

from widgets_lib.metrics import explain, graph_of, measure, split_by_leaving, summary_sentence
from widgets_lib.network import Link, Network, School


def network(names, pairs=(), kinds=None, **link_fields):
    kinds = kinds or {}
    return Network(
        schools=tuple(School(n, kind=kinds.get(n, "school")) for n in names),
        links=tuple(Link(a, b, **link_fields) for a, b in pairs),
    )


def star(n: int) -> Network:
    names = ["Hub"] + [f"S{i}" for i in range(1, n)]
    return network(names, [("Hub", x) for x in names[1:]])


def test_empty_network_measures_nothing_and_says_so():
    m = measure(Network())
    assert (m.schools, m.links, m.components, m.largest_component, m.isolated) == (0, 0, 0, 0, 0)
    assert m.density is None and m.centralisation is None and m.clustering is None
    assert (
        m.hub is None and m.hub_share is None and m.outside_share is None and m.reciprocity is None
    )
    assert m.mean_level is None and m.mean_flows is None and m.mean_trust is None
    rows = explain(m)
    assert rows and all(
        len(row) == 3 and all(isinstance(x, str) and x for x in row) for row in rows
    )
    json.dumps(m.as_dict())


def test_one_school_is_one_isolated_component():
    m = measure(network(["Alone"]))
    assert (m.schools, m.components, m.largest_component, m.isolated) == (1, 1, 1, 1)
    assert m.density is None and m.centralisation is None
    assert summary_sentence(network(["Alone"])).startswith("1 member and 0 links")


def test_two_schools_one_link():
    m = measure(network(["A", "B"], [("A", "B")]))
    assert m.density == 1.0 and m.components == 1 and m.bridges == 1
    assert m.articulation_points == () and m.centralisation is None and m.clustering is None
    assert m.hub == "A" and m.hub_links == 1 and m.hub_share == 1.0


def test_star_is_fully_centralised_with_its_hub_a_single_point_of_failure():
    m = measure(star(6))
    assert m.centralisation == 1.0
    assert m.articulation_points == ("Hub",)
    assert m.bridges == 5 and m.clustering == 0.0
    assert m.hub == "Hub" and m.hub_share == 1.0


def test_complete_group_is_dense_clustered_and_has_no_centre():
    names = list("ABCD")
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    m = measure(network(names, pairs))
    assert m.density == 1.0 and m.clustering == 1.0 and m.centralisation == 0.0
    assert m.bridges == 0 and m.articulation_points == ()


def test_isolated_school_makes_a_second_component():
    m = measure(network(["A", "B", "C", "Lonely"], [("A", "B"), ("B", "C"), ("C", "A")]))
    assert m.components == 2 and m.largest_component == 3 and m.isolated == 1
    assert "1 member has no link yet" in summary_sentence(
        network(["A", "B", "C", "Lonely"], [("A", "B"), ("B", "C"), ("C", "A")])
    )


def test_chain_has_inner_cut_points_and_every_link_a_bridge():
    m = measure(network(list("ABCD"), [("A", "B"), ("B", "C"), ("C", "D")]))
    assert m.articulation_points == ("B", "C") and m.bridges == 3


def test_parallel_and_self_links_count_as_links_but_not_as_extra_structure():
    net = network(["A", "B", "C"], [("A", "B"), ("B", "A"), ("C", "C")])
    m = measure(net)
    assert m.links == 3 and graph_of(net).number_of_edges() == 1
    assert m.isolated == 1  # C's only link is to itself


def test_split_by_leaving_gives_the_groups_left_behind():
    star = network(["Hub", "A", "B", "C", "D"], [("Hub", x) for x in "ABCD"] + [("A", "B")])
    assert split_by_leaving(star, "Hub") == (2, 1, 1)  # A and B still meet; C and D are alone
    assert split_by_leaving(star, "C") is None  # a leaf: the others stay together
    assert split_by_leaving(star, "Nobody") is None
    # Already apart: a second group elsewhere is not counted as a split caused by leaving.
    apart = network(["A", "B", "C", "X", "Y"], [("A", "B"), ("B", "C"), ("X", "Y")])
    assert split_by_leaving(apart, "B") == (2, 1, 1)
    assert split_by_leaving(apart, "X") is None
    alone = network(["A", "B", "Lonely"], [("A", "B")])
    assert split_by_leaving(alone, "Lonely") is None
    # The same answer as networkx's articulation points, on a random graph.
    rng = random.Random(7)
    names = [f"S{i}" for i in range(40)]
    rand = network(names, [tuple(rng.sample(names, 2)) for _ in range(45)])
    cut = set(nx.articulation_points(graph_of(rand)))
    assert {n for n in names if split_by_leaving(rand, n)} == cut


def test_one_way_links_are_explained_as_ordinary_support():
    rows = {name: meaning for name, _value, meaning in explain(measure(network(["A", "B"])))}
    assert "ordinary practice" in rows["Returned links"]


def test_reciprocity_counts_returned_one_way_links():
    net = Network(
        schools=tuple(School(n) for n in "ABC"),
        links=(
            Link("A", "B", directed=True),
            Link("B", "A", directed=True),
            Link("A", "C", directed=True),
            Link("B", "C"),
        ),
    )
    m = measure(net)
    assert m.directed_links == 3 and m.reciprocity == pytest.approx(0.667, abs=0.001)
    assert measure(network("AB", [("A", "B")])).reciprocity is None


def test_ties_outside_the_schools():
    net = network(
        ["A", "B", "Uni", "LA"],
        [("A", "B"), ("A", "Uni"), ("LA", "B"), ("Uni", "LA")],
        kinds={"Uni": "university", "LA": "lea"},
    )
    m = measure(net)
    assert m.outside_links == 3 and m.outside_share == 0.75 and m.outside_partners == 2


def test_level_flow_origin_and_trust_spread():
    net = Network(
        schools=tuple(School(n) for n in "ABCD"),
        links=(
            Link("A", "B", level=0, origin="funding", flows=("information",), trust=1),
            Link("B", "C", level=5, origin="funding", flows=("joint_practice", "staff"), trust=4),
            Link("C", "D", level=None, origin=None, flows=()),
        ),
    )
    m = measure(net)
    assert (
        m.level_counts == {0: 1, 1: 0, 2: 0, 3: 0, 4: 0, 5: 1}
        and m.levels_known == 2
        and m.mean_level == 2.5
    )
    assert m.flow_counts["joint_practice"] == 1 and m.flow_counts["information"] == 1
    assert m.links_with_flows == 2 and m.practice_links == 1 and m.mean_flows == 1.0
    assert m.origin_counts["funding"] == 2 and m.origins_known == 2
    assert m.mean_trust == 2.5 and m.trust_known == 2
    data = m.as_dict()
    assert data["level_counts"] == {"0": 1, "1": 0, "2": 0, "3": 0, "4": 0, "5": 1}
    assert json.loads(json.dumps(data)) == data


def test_hub_ties_go_to_the_school_listed_first():
    m = measure(network(["B", "A", "C"], [("A", "B")]))
    assert m.hub == "B"


def test_clustering_matches_networkx():
    rng = random.Random(7)
    names = [f"S{i}" for i in range(60)]
    pairs = {tuple(rng.sample(names, 2)) for _ in range(200)}
    net = network(names, sorted(pairs))
    assert measure(net).clustering == round(nx.average_clustering(graph_of(net)), 3)
    assert set(measure(net).articulation_points) == set(nx.articulation_points(graph_of(net)))
    assert measure(net).bridges == sum(1 for _ in nx.bridges(graph_of(net)))


def test_explain_names_every_measure_in_plain_words():
    rows = explain(measure(star(5)))
    names = [row[0] for row in rows]
    for expected in (
        "Density",
        "Power concentrated (degree centralisation)",
        "Single points of failure",
        "Ties outside the group",
        "Level of collaboration",
        "Trust on links",
    ):
        assert expected in names
    assert {r[0]: r[1] for r in rows}["Single points of failure"] == "Hub"


def generated(n: int, links_per_school: int = 3, seed: int = 1) -> Network:
    rng = random.Random(seed)
    names = [f"School {i}" for i in range(n)]
    kinds = ("school",) * 8 + ("lea", "university")
    links = []
    for _ in range(n * links_per_school):
        a, b = rng.sample(names, 2)
        links.append(
            Link(
                a,
                b,
                level=rng.randint(0, 5),
                origin=rng.choice(("funding", "shared_problem")),
                flows=("information",),
                trust=rng.randint(1, 4),
            )
        )
    return Network(tuple(School(x, kind=rng.choice(kinds)) for x in names), tuple(links))


@pytest.mark.parametrize("n", [1000, 10000])
def test_measuring_large_networks_prints_its_time(n):
    net = generated(n)
    start = time.perf_counter()
    m = measure(net)
    elapsed = time.perf_counter() - start
    print(f"\nmeasure: {n:,} schools, {m.links:,} links: {elapsed * 1000:.0f} ms")
    assert m.schools == n and m.links == 3 * n
