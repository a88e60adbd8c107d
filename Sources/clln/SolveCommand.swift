import ArgumentParser
import CLLN
import CLLNReport
import Foundation

struct SolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Solve one equilibrium and print the node voltages.")

    @Option(help: "A preset (four-state, navigation) or a topology file.")
    var topology: String

    @OptionGroup var gateOptions: GateOptions

    @Option(help: "Hold the inputs at this state's encoding.")
    var state: Int?

    @Flag(help: "Free phase of every state encoding, solved as one batch (one dc sweep on SPICE): each state's outputs and greedy action.")
    var allStates = false

    @Option(name: .long, parsing: .singleValue, help: "Hold a node: NODE=VOLTS (repeatable).")
    var hold: [String] = []

    @Option(help: "free, or clamped: outputs held at (1 − η)·F + η·L after a free solve.")
    var phase: Phase = .free

    @Option(help: "Clamped phase: JSON array of output labels L.")
    var labels: String?

    @Option(help: "Clamped phase: nudge η.")
    var eta = 0.1

    @OptionGroup var backendOptions: BackendOptions

    @Flag(help: "Print a JSON summary.")
    var json = false

    @Option(help: "Also write solution.json and voltages.csv into this folder.")
    var out: String?

    func validate() throws {
        if allStates {
            if state != nil || !hold.isEmpty { throw ValidationError("--all-states holds every state's inputs: drop --state and --hold") }
            if phase == .clamped { throw ValidationError("--all-states solves the free phase; drop --phase clamped") }
            return
        }
        if state != nil && !hold.isEmpty { throw ValidationError("give --state or --hold, not both") }
        if state == nil && hold.isEmpty { throw ValidationError("give --state K, --all-states, or at least one --hold NODE=V") }
        if phase == .clamped && labels == nil { throw ValidationError("the clamped phase needs --labels FILE") }
        if phase == .clamped && !(eta > 0 && eta <= 1) { throw badValue("--eta must lie in (0, 1], e.g. --eta 0.1") }
        _ = try heldNodes()
        if let state, state < 0 { throw badValue("--state must be ≥ 0 (a state index), e.g. --state 0") }
    }

    func run() throws {
        try Exit.run {
            let t = try Topology.load(topology)
            let parameters = try gateOptions.parameters(for: t)
            if allStates { return try solveAllStates(t, parameters: parameters) }
            var held: HeldNodes
            if let state {
                held = try t.freeHeld(state: state)
            } else {
                held = try heldNodes()
            }
            try t.validateHeld(held)
            let backend = try backendOptions.solverBackend()
            let solver = try backend.makeSolver(for: t)
            var solution = try solver.solve(parameters: parameters, held: held)
            if phase == .clamped {
                let labelValues = try readNumbers(labels!)
                guard labelValues.count == t.outputs.count else {
                    throw TopologyError.wrongLabelCount(labelValues.count, expected: t.outputs.count)
                }
                let clamps = zip(t.outputs, labelValues).map { (1 - eta) * solution.voltages[$0] + eta * $1 }
                held.nodes += t.outputs
                held.values += clamps
                try t.validateHeld(held)
                solution = try solver.solve(parameters: parameters, held: held, warmStart: solution.voltages)
            }
            let summary = SolveSummary(
                backend: solver.backendName, topology: t.name, phase: phase.rawValue, voltages: solution.voltages,
                // ngspice reports neither its iteration count nor a residual: leave the keys out.
                iterations: backend.kind == .ideal ? solution.iterations : nil,
                residual: backend.kind == .ideal ? solution.residual : nil,
                saturatedEdges: solution.saturatedEdges, floorEdges: solution.floorEdges)
            if let out {
                let folder = URL(fileURLWithPath: out)
                try AtomicFile.write(try JSONOutput.encode(summary), to: folder.appendingPathComponent("solution.json"))
                var csv = CSVTable(header: ["node", "name", "voltage", "held"])
                let heldSet = Set(held.nodes)
                for (i, v) in solution.voltages.enumerated() {
                    csv.append(["\(i)", t.nodeNames[i], "\(v)", heldSet.contains(i) ? "1" : "0"])
                }
                try AtomicFile.write(csv.text, to: folder.appendingPathComponent("voltages.csv"))
            }
            if json {
                printOut(String(decoding: try JSONOutput.encode(summary), as: UTF8.self))
            } else {
                for (i, v) in solution.voltages.enumerated() { printOut("\(t.nodeNames[i])\t\(v)") }
                let convergence = summary.iterations.map { "\($0) iterations, residual \(solution.residual) V, " } ?? ""
                printOut("# \(solver.backendName): \(convergence)saturated edges \(solution.saturatedEdges)")
            }
        }
    }
}

extension SolveCommand {
    /// The `--hold NODE=VOLTS` list; a malformed entry is a usage error naming the form.
    func heldNodes() throws -> HeldNodes {
        var held = HeldNodes(nodes: [], values: [])
        for item in hold {
            let parts = item.split(separator: "=")
            guard parts.count == 2, let node = Int(parts[0]), let value = Double(parts[1]) else {
                throw ValidationError("--hold \(item) must look like NODE=VOLTS, e.g. --hold 0=1 --hold 5=0.25")
            }
            held.nodes.append(node)
            held.values.append(value)
        }
        return held
    }

    /// `--all-states`: every state's free phase as one batch.
    func solveAllStates(_ t: Topology, parameters: [Double]) throws {
        _ = try t.freeHeld(state: 0)  // a topology without state encodings is an error naming the fix
        let held = try t.states.indices.map { try t.freeHeld(state: $0) }
        let solver = try backendOptions.solverBackend().makeSolver(for: t)
        let solutions = try solver.solveBatch(parameters: parameters, held: held, warmStarts: [])
        let states = solutions.enumerated().map { k, solution in
            let outputs = t.outputs.map { solution.voltages[$0] }
            return StateSolution(
                state: k, outputs: outputs, action: outputs.indices.max { outputs[$0] < outputs[$1] } ?? 0,
                voltages: solution.voltages, saturatedEdges: solution.saturatedEdges)
        }
        let summary = AllStatesSummary(backend: solver.backendName, topology: t.name, states: states)
        if let out {
            let folder = URL(fileURLWithPath: out)
            try AtomicFile.write(try JSONOutput.encode(summary), to: folder.appendingPathComponent("states.json"))
            var csv = CSVTable(header: ["state"] + t.outputs.map { "V(\(t.nodeNames[$0]))" } + ["action"])
            for s in states { csv.append(["\(s.state)"] + s.outputs.map { "\($0)" } + ["\(s.action)"]) }
            try AtomicFile.write(csv.text, to: folder.appendingPathComponent("outputs.csv"))
        }
        if json {
            printOut(String(decoding: try JSONOutput.encode(summary), as: UTF8.self))
        } else {
            printOut("state\t" + t.outputs.map { "V(\(t.nodeNames[$0]))" }.joined(separator: "\t") + "\taction")
            for s in states {
                printOut("\(s.state)\t" + s.outputs.map { String(format: "%.9f", $0) }.joined(separator: "\t") + "\t\(s.action)")
            }
            printOut("# \(solver.backendName): \(states.count) states solved as one batch")
        }
    }
}

/// `clln solve --all-states --json`.
struct AllStatesSummary: Codable {
    var backend: String
    var topology: String
    var states: [StateSolution]
}

/// One state's free phase: output voltages (in output order), the greedy action (the largest
/// output, first on ties), every node voltage, and the saturated edges.
struct StateSolution: Codable {
    var state: Int
    var outputs: [Double]
    var action: Int
    var voltages: [Double]
    var saturatedEdges: [Int]

    enum CodingKeys: String, CodingKey {
        case state, outputs, action, voltages, saturatedEdges = "saturated_edges"
    }
}

struct SolveSummary: Codable {
    var backend: String
    var topology: String
    var phase: String
    var voltages: [Double]
    /// Newton iterations and the final scaled KCL residual (V); absent on SPICE, which reports neither.
    var iterations: Int?
    var residual: Double?
    var saturatedEdges: [Int]
    var floorEdges: [Int]

    enum CodingKeys: String, CodingKey {
        case backend, topology, phase, voltages, iterations, residual
        case saturatedEdges = "saturated_edges", floorEdges = "floor_edges"
    }
}

