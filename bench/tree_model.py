#!/usr/bin/env python3
"""A generated binary tree of vessels (2^depth - 1 vessels, 2^(depth - 1) windkessel terminals),
for the memory measurements of bench/results_file.py (issue 15: "N = 8191, a binary tree").

Not a physiological model: every generation halves the flow and narrows and shortens the vessels
by 20 % (wall a tenth of the radius), so that every vessel of a generation is alike and the run is well posed. The
inlet flow is a sine of period 0.8 s.

    .venv/bin/python bench/tree_model.py DEPTH > tree.yaml
"""
import sys


def tree_yaml(depth: int) -> str:
    lines = ["venoflow: 1", f"name: tree_{2 ** depth - 1}",
             "description: generated binary tree (bench/tree_model.py)",
             "initial_conditions:", "  pressure: 10 mmHg",
             "solver:", "  output_interval: 10 ms", "  initial_state: rest",
             "discretisation:", "  lumped: true", "vessels:"]
    terminals = []
    for g in range(depth):
        radius = 10.0 * 0.8 ** g  # mm: r_child = 0.8 r_parent (about Murray's 2^(-1/3))
        length = 10.0 * 0.8 ** g  # cm
        for i in range(2 ** g):
            name = f"v{g}_{i}"
            src = "inlet" if g == 0 else f"n{g - 1}_{i // 2}"
            dst = f"n{g}_{i}"
            lines += [f"  - name: {name}", f"    from: {src}", f"    to: {dst}",
                      f"    length: {length:.4g} cm", f"    radius: {radius:.4g} mm",
                      "    tube_law: {type: elastic, reference: zero_pressure, "
                      f"youngs_modulus: 400 kPa, wall_thickness: {radius / 10:.4g} mm}}"]
            if g == depth - 1:
                terminals.append(dst)
    n = len(terminals)
    # Total resistance of the terminals in parallel about 1 mmHg s/ml at the root.
    r_total = 1.333e8 * n
    lines += ["boundary_conditions:", "  - node: inlet",
              "    flow: {sine: {mean: 10 ml/s, amplitude: 5 ml/s}, period: 0.8 s}",
              "elements:"]
    for k, node in enumerate(terminals):
        lines += [f"  - name: wk{k}", "    type: windkessel3", f"    nodes: [{node}]",
                  f"    R1: {0.1 * r_total:.4g} Pa s m^-3", f"    R2: {0.9 * r_total:.4g} Pa s m^-3",
                  f"    C: {1e-9 / n:.4g} m^3/Pa"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(tree_yaml(int(sys.argv[1])))
