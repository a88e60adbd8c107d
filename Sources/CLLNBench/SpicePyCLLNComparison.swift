import CLLN
import Foundation

/// The cost of one coupled-learning update (free solve, clamped solve, gate update) three ways on
/// the same ngspice library and the `pyclln-ald1106` card (`clln bench spice-scale --pyclln`):
///
/// - **PyCLLN-style** (``Variant/pycllnFaithful``), as PyCLLN's alter-based trainer drives
///   ngspice's shared library: one subcircuit per edge with its own gate source `V1` and the
///   card's model shared, outputs joined to clamp sources through resistors `RS<k>` (10¹² Ω free,
///   1 Ω clamped), PyCLLN's options (`gmin=1e-8 reltol=5e-3 abstol=1e-8 vntol=1e-5 rshunt=1e9`,
///   KLU where the library has it); per update: `alter` the clamp resistors and inputs, `run`,
///   read every node from `print allv`, `destroy all`; the same for the clamped phase; then one
///   `alter v.x<e>.v1 dc = U` per edge, joined with `; ` into commands of at most 900 characters.
/// - **Optimized** (``Variant/pycllnOptimized``): the same procedure on the per-edge threshold
///   form (gate at ground, a model per edge with `vto = V_T − U`, changed with `altermod`), node
///   voltages read directly from the plot's vectors (`ngGet_Vec_Info`).
/// - **clln** (``Variant/clln``): ``SpiceSolver`` as a training run builds it (sessions, as by
///   default for networks of MOSFET edges).
///
/// Every variant solves the same lattice (``SpiceScaleBenchmark/network(_:side:)``), examples and
/// starting gates, and applies the library's rule after each example, so that every gate changes
/// in every update. The two PyCLLN variants run on a private copy of the library.
public enum SpicePyCLLNComparison {
    public enum Variant: String, Codable, Sendable, CaseIterable {
        case pycllnFaithful = "pyclln-style"
        case pycllnOptimized = "pyclln-optimized"
        case clln
    }

    /// Sizes compared by default (edges).
    public static let defaultEdges = [18, 200, 800, 3200]

    /// One size and variant.
    public struct Row: Codable, Sendable {
        public var edges: Int
        public var variant: String
        public var updates: Int
        public var millisecondsPerUpdate: Double
        /// CPU time of the process per update.
        public var processorMillisecondsPerUpdate: Double

        enum CodingKeys: String, CodingKey {
            case edges, variant, updates
            case millisecondsPerUpdate = "ms_per_update", processorMillisecondsPerUpdate = "cpu_ms_per_update"
        }
    }

    /// Times `updates` updates (after one untimed update that loads the circuits) per size and variant;
    /// `sessions` is clln's ``SpiceSolver/Options/sessions`` (`nil`: a training run's default).
    public static func run(
        edges: [Int] = defaultEdges, updates: Int = 10, sessions: Bool? = nil, progress: (String) -> Void = { _ in }
    ) throws -> [Row] {
        let sides = try edges.map { e throws(BenchmarkError) in try SpiceScaleBenchmark.side(edges: e) }
        let card = try ModelCard.named("pyclln-ald1106")
        let raw = try NgspiceEngine.isolatedCopy()
        var rows: [Row] = []
        for n in sides {
            let topology = SpiceScaleBenchmark.network(.lattice, side: n)
            for variant in Variant.allCases {
                var driver = try makeDriver(variant, topology: topology, card: card, engine: raw, sessions: sessions)
                let row = try measure(&driver, topology: topology, variant: variant, updates: updates)
                try driver.finish()
                progress(String(format: "%@ %d edges: %.2f ms/update (cpu %.2f)", variant.rawValue, row.edges,
                                row.millisecondsPerUpdate, row.processorMillisecondsPerUpdate))
                rows.append(row)
            }
        }
        return rows
    }

    private static func makeDriver(
        _ variant: Variant, topology: Topology, card: ModelCard, engine: NgspiceEngine, sessions: Bool?
    ) throws -> any UpdateDriver {
        switch variant {
        case .pycllnFaithful: try PyCLLNDriver(topology: topology, card: card, engine: engine, optimized: false)
        case .pycllnOptimized: try PyCLLNDriver(topology: topology, card: card, engine: engine, optimized: true)
        case .clln: try SolverDriver(topology: topology, card: card, sessions: sessions)
        }
    }

    private static func measure(_ driver: inout any UpdateDriver, topology: Topology, variant: Variant, updates: Int) throws -> Row {
        var rng = SeededGenerator(seed: 3)
        var gates = topology.edges.map { _ in rng.uniform(in: 1.5...3) }
        var data = SeededGenerator(seed: 4)
        let examples = (0...updates).map { _ in
            (topology.inputs.map { _ in data.uniform() }, topology.outputs.map { _ in data.uniform(in: 0.2...0.8) })
        }
        try driver.sendGates(gates)
        try update(&driver, topology: topology, gates: &gates, example: examples[0])
        let cpu = BenchClock.processorMilliseconds()
        let start = DispatchTime.now().uptimeNanoseconds
        for k in 1...updates { try update(&driver, topology: topology, gates: &gates, example: examples[k]) }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        return Row(edges: topology.edgeCount, variant: variant.rawValue, updates: updates,
                   millisecondsPerUpdate: wall / Double(updates),
                   processorMillisecondsPerUpdate: (BenchClock.processorMilliseconds() - cpu) / Double(updates))
    }

    private static let rule = CoupledLearningRule(alpha: 1, eta: 0.5, batchSize: 1, updateClip: 0.05)

    private static func update(
        _ driver: inout any UpdateDriver, topology: Topology, gates: inout [Double], example: ([Double], [Double])
    ) throws {
        let free = try driver.free(gates: gates, inputs: example.0)
        let nudged = rule.clampValues(free: topology.outputs.map { free[$0] }, labels: example.1)
        let clamped = try driver.clamped(gates: gates, inputs: example.0, outputs: nudged)
        var accumulator = LocalRuleAccumulator(edgeCount: topology.edgeCount)
        accumulator.accumulate(topology: topology, parameters: gates, free: free, clamped: clamped, rule: rule)
        accumulator.apply(to: &gates, topology: topology, rule: rule)
        try driver.sendGates(gates)
    }
}

/// One way of running an update's solves.
private protocol UpdateDriver {
    /// Node voltages of the free phase (inputs held).
    mutating func free(gates: [Double], inputs: [Double]) throws -> [Double]
    /// Node voltages of the clamped phase (inputs held, outputs clamped).
    mutating func clamped(gates: [Double], inputs: [Double], outputs: [Double]) throws -> [Double]
    /// After the rule changed the gates (drivers that keep gates in ngspice send them here).
    mutating func sendGates(_ gates: [Double]) throws
    func finish() throws
}

/// clln's own path.
private struct SolverDriver: UpdateDriver {
    let topology: Topology
    let solver: SpiceSolver

    init(topology: Topology, card: ModelCard, sessions: Bool?) throws {
        self.topology = topology
        solver = try SpiceSolver(topology: topology, model: card, options: .init(diagnostics: false, sessions: sessions))
    }

    func free(gates: [Double], inputs: [Double]) throws -> [Double] {
        try solver.voltagesRetryingCold(parameters: gates, held: HeldNodes(nodes: topology.inputs, values: inputs), warmStart: nil)
    }

    func clamped(gates: [Double], inputs: [Double], outputs: [Double]) throws -> [Double] {
        try solver.voltagesRetryingCold(
            parameters: gates, held: HeldNodes(nodes: topology.inputs + topology.outputs, values: inputs + outputs), warmStart: nil)
    }

    func sendGates(_ gates: [Double]) throws {}
    func finish() throws {}
}

/// PyCLLN's procedure through raw ngspice commands (see ``SpicePyCLLNComparison``).
private struct PyCLLNDriver: UpdateDriver {
    let topology: Topology
    let engine: NgspiceEngine
    let optimized: Bool
    let netlist: NgspiceEngine.LoadedNetlist
    let thresholdBase: Double
    /// The node voltages' names: `v(<i+1>)` in `print allv` (faithful), `n<i>` vectors (optimized).
    let nodeVectors: [String]

    init(topology: Topology, card: ModelCard, engine: NgspiceEngine, optimized: Bool) throws {
        self.topology = topology
        self.engine = engine
        self.optimized = optimized
        let base = card.baseThreshold(topologyThreshold: topology.device.thresholdVoltage) ?? topology.device.thresholdVoltage
        thresholdBase = base
        let node = { (i: Int) in optimized ? "n\(i)" : "\(i + 1)" }
        let instance = "w=\(card.width) l=\(card.length)" + (card.instanceParameters.isEmpty ? "" : " " + card.instanceParameters)
        let kp = topology.device.k / card.aspectRatio
        var lines = ["* PyCLLN-style netlist (\(optimized ? "per-edge threshold form" : "gate source per edge")), \(topology.name)"]
        let gates = topology.edges.map { _ in 2.0 }
        if optimized {
            for (e, edge) in topology.edges.enumerated() {
                lines += card.render(modelName: "me\(e)", values: ["vto": topology.device.thresholdVoltage, "kp": kp])
                    .filter { !$0.hasPrefix("*") }.map { ModelCard.settingThreshold($0, to: base - gates[e]) }
                lines.append("m\(e) \(node(edge.a)) 0 \(node(edge.b)) 0 me\(e) \(instance)")
            }
        } else {
            lines += card.render(modelName: "ncg", values: ["vto": topology.device.thresholdVoltage, "kp": kp]).filter { !$0.hasPrefix("*") }
            for (e, edge) in topology.edges.enumerated() {
                lines += [".subckt e\(e) t_D t_S", "V1 t_G 0 \(SpiceNumber.format(gates[e]))", "M1 t_D t_G t_S 0 ncg \(instance)", ".ends e\(e)"]
                lines.append("X\(e) \(node(edge.a)) \(node(edge.b)) e\(e)")
            }
        }
        let sink = topology.nodeCount + 1
        for (k, output) in topology.outputs.enumerated() {
            lines += ["RS\(k) \(node(output)) \(sink + k) 1e12", "VC\(k) \(sink + k) 0 0"]
        }
        for (j, input) in topology.inputs.enumerated() { lines.append("VIN\(j) \(node(input)) 0 0") }
        if engine.linearSolver == .klu { lines.append(".options klu") }
        lines += [".options TEMP = 27C", ".options TNOM = 27C", ".options itl1=40 itl2=40 itl4=6 itl5=60",
                  ".options gmin=1e-8 reltol=5e-3 abstol=1e-8 vntol=1e-5", ".options rshunt=1e9", ".op", ".end"]
        netlist = try engine.loadNetlist(lines, probe: "@vin0[dc]")
        nodeVectors = (0..<topology.nodeCount).map(node)
        try sendGates(gates)
    }

    func free(gates: [Double], inputs: [Double]) throws -> [Double] {
        let commands = topology.outputs.indices.map { "alter rs\($0) 1e12" } + inputs.enumerated().map { "alter vin\($0) dc = \($1)" }
        return try solve(commands)
    }

    func clamped(gates: [Double], inputs: [Double], outputs: [Double]) throws -> [Double] {
        let commands = topology.outputs.indices.map { "alter rs\($0) 1.0" } + outputs.enumerated().map { "alter vc\($0) dc = \($1)" }
        return try solve(commands)
    }

    /// The phase's `alter`s (chunked), `run`, the node voltages, `destroy all`.
    private func solve(_ alters: [String]) throws -> [Double] {
        let printed = try engine.run(Self.chunked(alters) + ["run"] + (optimized ? [] : ["print allv"]), on: netlist)
        let voltages: [Double]
        if optimized {
            voltages = try engine.vectorValues(nodeVectors)
        } else {
            var byName: [String: Double] = [:]
            for line in printed {
                let text = line.hasPrefix("stdout ") ? line.dropFirst(7) : Substring(line)
                guard text.hasPrefix("v("), let equals = text.range(of: " = ") else { continue }
                byName[String(text[text.index(text.startIndex, offsetBy: 2)..<equals.lowerBound].dropLast())] = Double(text[equals.upperBound...])
            }
            voltages = nodeVectors.map { byName[$0] ?? .nan }
        }
        _ = try engine.run(["destroy all"], on: netlist)
        if let bad = voltages.firstIndex(where: { !$0.isFinite }) {
            throw SpiceError.nonFinite(node: nodeVectors[bad])
        }
        return voltages
    }

    func sendGates(_ gates: [Double]) throws {
        let commands = gates.enumerated().map { e, u in
            optimized ? "altermod me\(e) vto = \(thresholdBase - u)" : "alter v.x\(e).v1 dc = \(u)"
        }
        _ = try engine.run(Self.chunked(commands), on: netlist)
    }

    func finish() throws { try engine.removeNetlist(netlist) }

    /// Commands joined with `; ` into lines of at most 900 characters (PyCLLN's `_exec_chunked`).
    static func chunked(_ commands: [String]) -> [String] {
        var lines: [String] = []
        var current = ""
        for c in commands {
            if !current.isEmpty, current.count + 2 + c.count > 900 {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : "; ") + c
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
