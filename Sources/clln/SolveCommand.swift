import ArgumentParser
import CLLN
import CLLNReport
import Foundation

/// Which solver backs a command.
enum BackendChoice: String, ExpressibleByArgument, CaseIterable {
    case ideal, spice
    /// Both backends on the same trials (`clln train` only).
    case both
}

/// Options shared by every command that solves: backend and model card.
struct BackendOptions: ParsableArguments {
    @Option(help: "Solver backend: ideal (native Newton), spice (ngspice in-process), or both (train only: compares them).")
    var backend: BackendChoice = .ideal

    @Option(help: "SPICE model card: a name from templates/models or a .lib file (spice backend).")
    var model = ModelCard.defaultName

    @Option(help: "Tie every MOSFET's bulk to ground or to its source terminal (default: the card's setting).")
    var bulk: BulkTie?

    /// The model card with the bulk tie applied.
    func modelCard() throws -> ModelCard {
        var card = try ModelCard.named(model)
        if let bulk { card.bulk = bulk }
        return card
    }

    @Option(help: "A chip: JSON with sigma_vto, sigma_kp, seed, twin, read_noise (device mismatch and read noise).")
    var mismatch: String?

    @Option(help: "σ of per-device threshold shifts (V).") var sigmaVto: Double?
    @Option(help: "Relative σ of per-device drive strength KP.") var sigmaKp: Double?
    @Option(help: "Seed of the device draws (the chip).") var chipSeed: UInt64?
    @Flag(help: "Run the clamped phase on a twin network (separate device draws).") var twin = false
    @Option(help: "σ of Gaussian read noise on measured voltages (V).") var readNoise: Double?

    /// The chip the flags and `--mismatch` file describe (flags override the file).
    func chip() throws -> ChipSpec {
        var spec = ChipSpec()
        if let mismatch {
            let data = try readInputFile(mismatch)
            do { spec = try JSONDecoder().decode(ChipSpec.self, from: data) } catch {
                throw InputFileError.unreadable(mismatch, "expected {\"sigma_vto\", \"sigma_kp\", \"seed\", \"twin\", \"read_noise\"}")
            }
        }
        spec.sigmaThreshold = sigmaVto ?? spec.sigmaThreshold
        spec.sigmaGain = sigmaKp ?? spec.sigmaGain
        spec.seed = chipSeed ?? spec.seed
        spec.twin = spec.twin || twin
        spec.readNoise = readNoise ?? spec.readNoise
        guard spec.sigmaThreshold >= 0, spec.sigmaGain >= 0, spec.readNoise >= 0 else {
            throw ValidationError("mismatch spreads and read noise must be ≥ 0")
        }
        return spec
    }

    /// A solver on `backend` (default: `--backend`) for the free network (`clamped: false`) or
    /// the clamped phase's network (its twin when the chip has one), with the chip's device
    /// draws. `diagnostics: false` skips the per-solve saturation report (training loops).
    func makeSolver(
        for topology: Topology, clamped: Bool = false, diagnostics: Bool = true, backend chosen: BackendChoice? = nil
    ) throws -> any EquilibriumSolver {
        let spec = try chip()
        let devices = spec.sigmaThreshold > 0 || spec.sigmaGain > 0
            ? spec.devices(edgeCount: topology.edgeCount, clamped: clamped) : nil
        switch chosen ?? backend {
        case .ideal:
            var options = IdealSolver.Options()
            options.diagnostics = diagnostics
            let solver = try IdealSolver(topology: topology, options: options)
            solver.mismatch = devices
            return solver
        case .spice:
            return try makeSpiceSolver(topology: topology, model: try modelCard(), mismatch: devices, diagnostics: diagnostics)
        case .both: throw ValidationError("--backend both compares the backends and is only available for `clln train`")
        }
    }

    /// What one training trial runs on: the free network's solver, the clamped phase's twin when
    /// the chip has one, and the chip's read noise; no per-solve diagnostics.
    func trialDevices(for topology: Topology, backend chosen: BackendChoice? = nil) throws
        -> (solver: any EquilibriumSolver, clampedSolver: (any EquilibriumSolver)?, readNoise: Double)
    {
        let spec = try chip()
        let solver = try makeSolver(for: topology, diagnostics: false, backend: chosen)
        let twin = spec.twin ? try makeSolver(for: topology, clamped: true, diagnostics: false, backend: chosen) : nil
        return (solver, twin, spec.readNoise)
    }
}

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
        if phase == .clamped && !(eta > 0 && eta <= 1) { throw ValidationError("--eta must lie in (0, 1]") }
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
                held = HeldNodes(nodes: [], values: [])
                for item in hold {
                    let parts = item.split(separator: "=")
                    guard parts.count == 2, let node = Int(parts[0]), let value = Double(parts[1]) else {
                        throw InputFileError.badHold(item)
                    }
                    held.nodes.append(node)
                    held.values.append(value)
                }
            }
            try t.validateHeld(held)
            let solver = try backendOptions.makeSolver(for: t)
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
                iterations: solution.iterations, residual: solution.residual,
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
                printOut("# \(solver.backendName): \(solution.iterations) iterations, residual \(solution.residual) V, "
                    + "saturated edges \(solution.saturatedEdges)")
            }
        }
    }
}

extension SolveCommand {
    /// `--all-states`: every state's free phase as one batch.
    func solveAllStates(_ t: Topology, parameters: [Double]) throws {
        _ = try t.freeHeld(state: 0)  // a topology without state encodings is an error naming the fix
        let held = try t.states.indices.map { try t.freeHeld(state: $0) }
        let solver = try backendOptions.makeSolver(for: t)
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
    var iterations: Int
    var residual: Double
    var saturatedEdges: [Int]
    var floorEdges: [Int]

    enum CodingKeys: String, CodingKey {
        case backend, topology, phase, voltages, iterations, residual
        case saturatedEdges = "saturated_edges", floorEdges = "floor_edges"
    }
}

extension BulkTie: ExpressibleByArgument {}
