import CLLNReport
import Foundation

/// Validation of the idealized simulator against SPICE (or any two backends): the same cases
/// solved by both, differences per node split by whether a transistor saturates (spec §1),
/// saturation frequency per edge, and decision flips (the argmax output differs).
public enum BackendComparison {
    /// Difference statistics over a set of cases, in volts. "unsaturated" cases have every
    /// transistor in triode (where the idealized and level-1 models coincide); "saturated" ones
    /// have at least one transistor saturated or cut off.
    public struct Difference: Codable, Sendable, Hashable {
        public var count: Int
        public var maxAbsDiff: Double
        public var meanAbsDiff: Double
        enum CodingKeys: String, CodingKey { case count, maxAbsDiff = "max_abs_diff", meanAbsDiff = "mean_abs_diff" }
    }

    /// Per-node statistics over every case.
    public struct NodeStatistics: Codable, Sendable, Hashable {
        public var node: Int
        public var maxAbsDiff: Double
        public var meanAbsDiff: Double
        public var maxAbsDiffUnsaturated: Double
        public var maxAbsDiffSaturated: Double
        enum CodingKeys: String, CodingKey {
            case node, maxAbsDiff = "max_abs_diff", meanAbsDiff = "mean_abs_diff"
            case maxAbsDiffUnsaturated = "max_abs_diff_unsaturated", maxAbsDiffSaturated = "max_abs_diff_saturated"
        }
    }

    /// The report of `clln validate`.
    public struct Report: Codable, Sendable {
        public var topology: String
        public var model: String
        public var cases: Int
        public var unsaturated: Difference
        public var saturated: Difference
        /// Free-phase cases whose greedy action differs between the backends.
        public var decisionFlips: Int
        public var freeCases: Int
        public var nodes: [NodeStatistics]
        /// Fraction of cases in which each edge is saturated (in either backend's solution).
        public var edgeSaturationFrequency: [Double]
        /// Output voltages of every case, ideal vs reference backend (for the scatter plot).
        public var outputPairs: [[Double]]
        /// Every |ΔV| of a free node (for the histogram; not written to JSON).
        public var differences: [Double] = []
        enum CodingKeys: String, CodingKey {
            case topology, model, cases, unsaturated, saturated, decisionFlips = "decision_flips", freeCases = "free_cases"
            case nodes, edgeSaturationFrequency = "edge_saturation_frequency", outputPairs = "output_pairs"
        }
    }

    /// Solves `samples` random gate vectors (uniform in the gate bounds) plus `extraGates`, every
    /// state, in the free phase and in a clamped phase toward random labels (clamps from the
    /// ideal free outputs with η = 0.1, the same numbers for both backends).
    public static func run(
        topology t: Topology, ideal: any EquilibriumSolver, reference: any EquilibriumSolver, model: String,
        samples: Int, seed: UInt64, extraGates: [[Double]] = []
    ) throws -> Report {
        guard !t.states.isEmpty else {
            throw LearningError.mismatch("validation needs state encodings; add \"states\" to the topology")
        }
        guard (0...InputLimits.maximumSamples).contains(samples) else {
            throw LearningError.invalidHyperparameter(
                "samples must be a whole number in 0...\(InputLimits.maximumSamples) (got \(samples)), e.g. samples 50")
        }
        for gates in extraGates { try t.validateParameters(gates) }
        var rng = SeededGenerator(seed: seed)
        let gateSets = (0..<samples).map { _ in t.edges.indices.map { e -> Double in
            let b = t.parameterBounds(edge: e)
            let model = t.edges[e].element.model
            return model.isTransistor ? rng.uniform(in: b) : model.initialParameter(gate: 2)
        } } + extraGates
        var diffs: (unsat: [Double], sat: [Double]) = ([], [])
        var unsatCases = 0, satCases = 0, flips = 0, freeCases = 0, cases = 0
        var perNode = [[Double]](repeating: [], count: t.nodeCount)
        var perNodeSat = [Double](repeating: 0, count: t.nodeCount)
        var perNodeUnsat = [Double](repeating: 0, count: t.nodeCount)
        var saturationCount = [Int](repeating: 0, count: t.edgeCount)
        var outputPairs: [[Double]] = []
        for gates in gateSets {
            try t.validateParameters(gates)
            for state in t.states.indices {
                let freeHeld = try t.freeHeld(state: state)
                let idealFree = try ideal.solve(parameters: gates, held: freeHeld)
                let labels = t.outputs.map { _ in rng.uniform(in: freeHeld.range) }
                let clamps = t.outputs.isEmpty ? [] : zip(t.outputs, labels).map { 0.9 * idealFree.voltages[$0] + 0.1 * $1 }
                var phases: [(HeldNodes, Equilibrium?)] = [(freeHeld, idealFree)]
                if !t.outputs.isEmpty { phases.append((try t.clampedHeld(state: state, outputValues: clamps), nil)) }
                for (held, known) in phases {
                    let a = try known ?? ideal.solve(parameters: gates, held: held, warmStart: idealFree.voltages)
                    let b = try reference.solve(parameters: gates, held: held)
                    cases += 1
                    let saturatedEdges = Set(a.saturatedEdges).union(b.saturatedEdges)
                    for e in saturatedEdges { saturationCount[e] += 1 }
                    // The models coincide only where every transistor is in triode: U_G − V_T above
                    // both channel ends. Saturated or cut-off edges put the case in the other group.
                    let saturated = !saturatedEdges.isEmpty
                        || !EdgeModel.allInTriode(topology: t, parameters: gates, voltages: a.voltages)
                        || !EdgeModel.allInTriode(topology: t, parameters: gates, voltages: b.voltages)
                    if saturated { satCases += 1 } else { unsatCases += 1 }
                    let heldSet = Set(held.nodes)
                    for node in 0..<t.nodeCount where !heldSet.contains(node) {
                        let d = abs(a.voltages[node] - b.voltages[node])
                        perNode[node].append(d)
                        if saturated {
                            diffs.sat.append(d)
                            perNodeSat[node] = max(perNodeSat[node], d)
                        } else {
                            diffs.unsat.append(d)
                            perNodeUnsat[node] = max(perNodeUnsat[node], d)
                        }
                    }
                    if held.nodes.count == freeHeld.nodes.count, !t.outputs.isEmpty {
                        freeCases += 1
                        if argmax(a.voltages, t.outputs) != argmax(b.voltages, t.outputs) { flips += 1 }
                        outputPairs += t.outputs.map { [a.voltages[$0], b.voltages[$0]] }
                    }
                }
            }
        }
        func summary(_ values: [Double], _ count: Int) -> Difference {
            Difference(count: count, maxAbsDiff: values.max() ?? 0, meanAbsDiff: values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count))
        }
        let nodes = (0..<t.nodeCount).filter { !perNode[$0].isEmpty }.map { n in
            NodeStatistics(node: n, maxAbsDiff: perNode[n].max()!, meanAbsDiff: perNode[n].reduce(0, +) / Double(perNode[n].count),
                           maxAbsDiffUnsaturated: perNodeUnsat[n], maxAbsDiffSaturated: perNodeSat[n])
        }
        return Report(
            topology: t.name, model: model, cases: cases, unsaturated: summary(diffs.unsat, unsatCases),
            saturated: summary(diffs.sat, satCases), decisionFlips: flips, freeCases: freeCases, nodes: nodes,
            edgeSaturationFrequency: saturationCount.map { Double($0) / Double(max(cases, 1)) }, outputPairs: outputPairs,
            differences: diffs.unsat + diffs.sat)
    }

    /// Ideal vs reference output voltages, with the diagonal.
    public static func scatter(_ r: Report) -> ScatterChart {
        var chart = ScatterChart(title: "\(r.topology): output voltages, ideal vs SPICE (\(r.model))",
                                 xLabel: "idealized model (V)", yLabel: "SPICE (V)")
        chart.diagonal = true
        chart.series = [ScatterSeries(name: "free-phase outputs", x: r.outputPairs.map { $0[0] }, y: r.outputPairs.map { $0[1] })]
        return chart
    }

    /// Histogram of log10 |ΔV| per node and case.
    public static func histogram(_ r: Report) -> Histogram {
        Histogram(title: "\(r.topology): |V_ideal − V_SPICE| per free node", xLabel: "log10 |ΔV| (V)",
                  values: r.differences.map { log10(max($0, 1e-18)) }, bins: 40)
    }

    /// The network drawn with each edge coloured by how often it saturates.
    public static func networkFigure(_ t: Topology, frequency: [Double]) -> String {
        let positions = NetworkLayout.positions(t)
        let (width, height, margin) = (640.0, 600.0, 80.0)
        let highest = max(frequency.max() ?? 0, 1e-12)
        var canvas = SVGCanvas(width: width, height: height + 40)
        canvas.text(x: margin, y: 20, "\(t.name): how often each edge saturates", size: 13, bold: true)
        canvas.text(x: 20, y: 38, "colour: dark = never, yellow = " + String(format: "%.0f%%", 100 * highest)
                        + " of cases (the most saturated edge)", size: 11)
        canvas.text(x: 20, y: 54, "periodic wrap-around edges are drawn as dashed stubs", size: 11)
        func point(_ n: Int) -> SVGPoint {
            SVGPoint(x: margin + positions[n].x * (width - 2 * margin), y: 30 + margin + positions[n].y * (height - 2 * margin))
        }
        let cell = (width - 2 * margin) / Double(max(Int(Double(t.nodeCount).squareRoot()) - 1, 1))
        for (e, edge) in t.edges.enumerated() {
            let (p, q) = (point(edge.a), point(edge.b))
            let color = ColorScale.viridis(frequency[e] / highest)
            let (dx, dy) = (q.x - p.x, q.y - p.y)
            let length = (dx * dx + dy * dy).squareRoot()
            if NetworkLayout.isGrid(t), length > 1.5 * cell {
                // A wrap-around edge: a stub leaving each end toward the opposite side.
                let (ux, uy) = (dx / length * 0.25 * cell, dy / length * 0.25 * cell)
                canvas.line(x1: p.x, y1: p.y, x2: p.x - ux, y2: p.y - uy, stroke: color, width: 4, dashed: true)
                canvas.line(x1: q.x, y1: q.y, x2: q.x + ux, y2: q.y + uy, stroke: color, width: 4, dashed: true)
            } else {
                canvas.line(x1: p.x, y1: p.y, x2: q.x, y2: q.y, stroke: color, width: 4)
            }
        }
        let inputs = Set(t.inputs), outputs = Set(t.outputs)
        for n in 0..<t.nodeCount {
            let p = point(n)
            let fill = inputs.contains(n) ? "#d62728" : outputs.contains(n) ? "#1f77b4" : "#ffffff"
            canvas.circle(cx: p.x, cy: p.y, r: 9, fill: fill, stroke: "#333333")
            canvas.text(x: p.x, y: p.y + 4, "\(n)", size: 9, anchor: .middle)
        }
        canvas.text(x: 20, y: height + 30, "red: inputs, blue: outputs", size: 11)
        return canvas.svg()
    }
}

/// Node positions in the unit square for drawing: a grid for 2-D lattices (node = row·C + col),
/// columns by layer for layered dense networks, a circle otherwise.
enum NetworkLayout {
    static func positions(_ t: Topology) -> [(x: Double, y: Double)] {
        let n = t.nodeCount
        let side = Int(Double(n).squareRoot().rounded())
        if isGrid(t) {
            let span = Double(max(side - 1, 1))
            return (0..<n).map { node -> (x: Double, y: Double) in
                let column = Double(node % side)
                let row = Double(node / side)
                return (column / span, row / span)
            }
        }
        if let layers = denseLayers(t) {
            var result: [(x: Double, y: Double)] = []
            for (l, size) in layers.enumerated() {
                for i in 0..<size {
                    let x = Double(l) / Double(max(layers.count - 1, 1))
                    result.append((x, (Double(i) + 0.5) / Double(size)))
                }
            }
            return result
        }
        return (0..<n).map { i in
            let angle = 2 * Double.pi * Double(i) / Double(n)
            return (0.5 + 0.5 * cos(angle), 0.5 + 0.5 * sin(angle))
        }
    }

    /// Whether the topology is a square 2-D lattice from the generator (drawn as a grid).
    static func isGrid(_ t: Topology) -> Bool {
        let side = Int(Double(t.nodeCount).squareRoot().rounded())
        guard side * side == t.nodeCount, side >= 2 else { return false }
        let periodic = Generators.lattice(shape: [side, side], periodic: true)
        let open = Generators.lattice(shape: [side, side], periodic: false)
        return t.edges == periodic.edges || t.edges == open.edges
    }

    /// Layer sizes when the edges are exactly those of a layered dense network.
    static func denseLayers(_ t: Topology) -> [Int]? {
        var layers: [Int] = []
        var start = 0
        while start < t.nodeCount {
            let targets = Set(t.edges.filter { $0.a == start && $0.b > start }.map(\.b))
            guard let first = targets.min() else { layers.append(t.nodeCount - start); break }
            layers.append(first - start)
            start = first
        }
        let candidate = Generators.layeredDense(layers: layers)
        return candidate.edges == t.edges ? layers : nil
    }
}
