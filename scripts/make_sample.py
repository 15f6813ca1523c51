#!/usr/bin/env python3
"""Generate the small bundled sample used by `marketrank demo`.

Deterministic and stdlib-only: every random choice goes through one
`random.Random(SEED)`, so re-running this script reproduces `data/`
byte for byte.

    python3 scripts/make_sample.py            # writes data/edges.tsv, data/topics.tsv
    python3 scripts/make_sample.py --out DIR  # writes elsewhere

Story (see data/README.md for the long version):
  * four markets: fashion, tech, cooking, fitness;
  * `elon_techstar` (tech) has by far the most followers, from every market;
  * `mila_atelier` (fashion) has only a handful of followers, but they are
    the fashion tastemakers whom the rest of fashion follows;
  * `cheap_followers_buyer` (fashion) bought 64 followers from a follow farm
    (`farm_bot_001..`) that follow nobody else;
  * plus per-market experts, ordinary members with 1-2 topics, users with no
    topics, and users who follow nobody (dangling nodes).

Edges mean "follower -> followee": influence flows from the follower to the
account it follows.
"""

import argparse
import os
import random

SEED = 20240601
MARKETS = ["fashion", "tech", "cooking", "fitness"]

NAMES = [
    "ana", "raj", "li", "omar", "sofia", "ken", "maya", "leo", "zoe", "ivan",
    "nina", "arjun", "chloe", "diego", "emma", "felix", "grace", "hugo", "iris",
    "jack", "kira", "luca", "mei", "noah", "olga", "paul", "quinn", "rosa",
    "sam", "tara", "umar", "vera", "wen", "xena", "yuki", "zane", "ada", "ben",
    "cara", "dev", "elena", "finn", "gia", "hana", "ian", "jade", "kai", "lena",
    "milo", "nora", "oscar", "pia", "ravi", "sara", "theo", "uma", "vik", "willa",
    "yara", "zara", "aiko", "bruno", "carmen", "dana", "eli", "farah", "gus",
    "hiro", "ines", "jonas", "kemal", "lola", "marco", "nadia", "otto", "priya",
    "rafa", "sven", "tomas", "ula", "vito", "wanda", "yusuf", "zeno", "amara",
    "bo", "cleo", "dario", "esme", "femi", "gabe", "hedda", "ilse", "joon",
    "kofi", "lars", "mira", "nico", "orla", "pedro", "rhea", "selim", "tess",
    "ugo", "valo", "wes", "ximena", "yannick", "zola", "anouk", "bianca",
    "cyrus", "dmitri", "elif", "fabio", "greta", "hamid", "isla", "javi",
]

# Hand-named accounts, so the demo output reads like a story.
CELEBRITY = "elon_techstar"
INSIDER = "mila_atelier"
BUYER = "cheap_followers_buyer"
EXPERTS = {
    # fashion "tastemakers": the accounts the fashion crowd actually follows;
    # they in turn follow mila_atelier.
    "fashion": ["vogue_vera", "runway_rosa", "stylist_kemal", "fabric_ines",
                "couture_hana", "editor_lars"],
    "tech": ["kernel_hacker", "ml_priya", "rustacean_theo", "devops_femi",
             "sec_researcher_ada"],
    "cooking": ["chef_marco", "baker_lola", "spice_ravi", "ferment_ilse",
                "pastry_joon"],
    "fitness": ["coach_dario", "yoga_isla", "lifter_bo", "runner_wen",
                "physio_greta"],
}
MEMBERS_PER_MARKET = {"fashion": 95, "tech": 90, "cooking": 75, "fitness": 75}
N_UNTAGGED = 100         # ordinary users with no topic at all
N_FARM = 64              # farm_bot_001 .. farm_bot_064
N_FARM_TAGGED = 5        # farm bots that also tagged themselves "fashion"

# Which second topic a member of each market may pick up.  Fashion and tech
# audiences barely overlap in this sample (which keeps the two stories apart).
SIDE_INTERESTS = {"fashion": ["fitness", "cooking", "fitness"],
                  "tech": ["fitness", "cooking", "fitness"],
                  "cooking": ["fitness", "fashion", "tech"],
                  "fitness": ["cooking", "fashion", "tech"]}

# Share of each group's members that follow the celebrity.  Fashion is kept
# deliberately low (but not zero) so that he stays outside fashion's top.
CELEB_SHARE = {"tech": 0.9, "cooking": 0.3, "fitness": 0.3,
               "fashion": 0.06, None: 0.85}


def build(rng):
    topics = {}   # user -> list of topics (possibly empty)
    edges = []    # (follower, followee), insertion order
    seen = set()

    def follow(a, b):
        if a != b and (a, b) not in seen:
            seen.add((a, b))
            edges.append((a, b))

    # ---- users -----------------------------------------------------------
    taken = set()

    def handle(prefix):
        for name in rng.sample(NAMES, len(NAMES)):
            h = f"{prefix}_{name}"
            if h not in taken:
                taken.add(h)
                return h
        i = 2
        while True:
            h = f"{prefix}_{rng.choice(NAMES)}{i}"
            if h not in taken:
                taken.add(h)
                return h
            i += 1

    for h in [CELEBRITY, INSIDER, BUYER] + sum(EXPERTS.values(), []):
        taken.add(h)
    topics[CELEBRITY] = ["tech"]
    topics[INSIDER] = ["fashion"]
    topics[BUYER] = ["fashion"]
    for m, ex in EXPERTS.items():
        for e in ex:
            topics[e] = [m]

    members = {m: [] for m in MARKETS}
    for m in MARKETS:
        for _ in range(MEMBERS_PER_MARKET[m]):
            u = handle(m)
            t = [m]
            if rng.random() < 0.25:   # a second interest
                t.append(rng.choice(SIDE_INTERESTS[m]))
            topics[u] = t
            members[m].append(u)
    untagged = [handle("user") for _ in range(N_UNTAGGED)]
    for u in untagged:
        topics[u] = []
    farm = [f"farm_bot_{i:03d}" for i in range(1, N_FARM + 1)]
    for i, u in enumerate(farm):
        topics[u] = ["fashion"] if i < N_FARM_TAGGED else []

    # ---- who follows whom ------------------------------------------------
    # Experts: follow each other a bit, and a few members of their market.
    for m in MARKETS:
        ex = EXPERTS[m]
        for e in ex:
            # fashion tastemakers keep a short follow list (see mila below)
            for o in rng.sample(ex, 1 if m == "fashion" else 2):
                follow(e, o)
            for o in rng.sample(members[m], 1 if m == "fashion" else 2):
                follow(e, o)
    # Fashion tastemakers all follow mila (and only a couple of others),
    # which is exactly what makes her the fashion insider.
    for e in EXPERTS["fashion"]:
        follow(e, INSIDER)
    # mila herself follows one tastemaker and a few unknown designers.
    for o in rng.sample(EXPERTS["fashion"], 1):
        follow(INSIDER, o)
    for o in rng.sample(members["fashion"], 4):
        follow(INSIDER, o)

    # The celebrity follows a scattering of accounts (mostly tech fans).
    for o in rng.sample(EXPERTS["tech"], 1) + rng.sample(members["tech"], 7):
        follow(CELEBRITY, o)
    # Tech experts mostly follow him back.
    for e in EXPERTS["tech"]:
        if rng.random() < 0.6:
            follow(e, CELEBRITY)

    # Among ordinary members, attention is skewed: the i-th member of a
    # market is picked with weight 1/(i+1), so each market grows its own
    # second tier of well-followed regulars.
    def popular_pick(pool, k):
        weights = [1.0 / (i + 1) for i in range(len(pool))]
        picked = []
        while len(picked) < k:
            o = rng.choices(pool, weights)[0]
            if o not in picked:
                picked.append(o)
        return picked

    # Members.
    dangling = set()
    for m in MARKETS:
        for u in members[m]:
            if rng.random() < 0.06:    # lurkers: follow nobody at all
                dangling.add(u)
                continue
            for t in topics[u]:
                # home market: 3 experts; a side interest: maybe one expert
                k = 3 if t == m else int(rng.random() < 0.4)
                for o in rng.sample(EXPERTS[t], k):
                    follow(u, o)
                for o in popular_pick(members[t], rng.randint(1, 3)):
                    follow(u, o)
            # a little off-topic browsing
            if rng.random() < 0.3:
                other = rng.choice([x for x in MARKETS if x != m])
                follow(u, rng.choice(members[other]))
            if rng.random() < CELEB_SHARE[m]:
                follow(u, CELEBRITY)
    # mila is a well-kept secret: only a few ordinary fashion members know her.
    for u in rng.sample(members["fashion"], 3):
        follow(u, INSIDER)

    # Untagged users: follow a few random members/experts and, often, the star.
    everyone_real = sum(members.values(), []) + sum(EXPERTS.values(), [])
    for u in untagged:
        for o in rng.sample(everyone_real, rng.randint(2, 5)):
            follow(u, o)
        if rng.random() < CELEB_SHARE[None]:
            follow(u, CELEBRITY)

    # The buyer follows a few fashion members (looking legit), and the farm
    # follows the buyer and nothing else.
    for o in rng.sample(members["fashion"], 4):
        follow(BUYER, o)
    for b in farm:
        follow(b, BUYER)

    users = ([CELEBRITY, INSIDER, BUYER] + sum(EXPERTS.values(), [])
             + sum(members.values(), []) + untagged + farm)
    return users, topics, edges


def write(out_dir, users, topics, edges):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "edges.tsv"), "w", newline="\n") as f:
        f.write("# follower<TAB>followee, one follow per line; influence flows "
                "from follower to followee. marketrank sample graph generated "
                "by scripts/make_sample.py (seed %d), do not edit.\n" % SEED)
        for a, b in sorted(edges):
            f.write(f"{a}\t{b}\n")
    with open(os.path.join(out_dir, "topics.tsv"), "w", newline="\n") as f:
        f.write("# user<TAB>topic, one tag per line; a user may have several "
                "tags, users with no line have none. marketrank sample tags "
                "generated by scripts/make_sample.py (seed %d), do not edit.\n"
                % SEED)
        for u in sorted(users):
            for t in sorted(topics[u]):
                f.write(f"{u}\t{t}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "data"))
    args = ap.parse_args()
    rng = random.Random(SEED)
    users, topics, edges = build(rng)
    write(os.path.normpath(args.out), users, topics, edges)
    n_tagged = {m: sum(1 for u in users if m in topics[u]) for m in MARKETS}
    print(f"{len(users)} users, {len(edges)} edges, tagged: {n_tagged}")


if __name__ == "__main__":
    main()
