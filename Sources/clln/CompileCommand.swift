import ArgumentParser
import CLLN
import CLLNReport
import Foundation

/// Options that pick edge parameters: a file, or one value for every gate.
struct GateOptions: ParsableArguments {
    @Option(name: .long, help: "JSON array of edge parameters (gate voltages for MOSFETs), in edge order, or a trial result of clln train (trials/trial-K.json).")
    var gates: String?

    @Option(name: .long, help: "One gate voltage for every MOSFET edge (default 1.5 V, the reference's initial mean).")
    var gateValue: Double?

    func parameters(for topology: Topology) throws -> [Double] {
        let parameters: [Double]
        if let gates {
            let vectors = try readGateVectors(gates)
            guard vectors.count == 1 else { throw InputFileError.notGates(gates) }
            parameters = vectors[0]
        } else {
            parameters = topology.uniformParameters(gate: gateValue ?? 1.5)
        }
        try topology.validateParameters(parameters)
        return parameters
    }

    func validate() throws {
        if gates != nil && gateValue != nil { throw ValidationError("give --gates or --gate-value, not both") }
        if let gateValue, !gateValue.isFinite { throw badValue("--gate-value must be a finite gate voltage (V), e.g. --gate-value 1.5") }
    }
}

struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Compile a topology (preset or JSON/YAML file) into an ngspice netlist, or the autonomous learning circuit (--circuit autonomous).")

    @Argument(help: "A preset (four-state, navigation) or a topology file (not with --circuit autonomous).")
    var topology: String?

    @Option(help: "network (one phase of a topology) or autonomous (the twin-network circuit that learns a supervised task inside one .tran).")
    var circuit: CircuitKind = .network

    @OptionGroup var autonomous: AutonomousOptions

    @Option(help: "free (inputs held) or clamped (inputs and outputs held).")
    var phase: Phase = .free

    @Option(help: "State whose input encoding is held.")
    var state = 0

    @OptionGroup var gateOptions: GateOptions

    @Option(help: "Clamped phase: JSON array of output voltages (default: 0.5 V on every output).")
    var outputs: String?

    @Option(help: "Model card: a name from templates/models or a .lib file.")
    var model = ModelCard.defaultName

    @Option(help: "Tie every MOSFET's bulk to ground, to its source (the edge's b end) or to its drain (its a end) (default: the card's setting).")
    var bulk: BulkTie?

    @Option(help: "Gate form: sources (vg<e> per gate) or threshold-per-edge (vto trick).")
    var gateStyle: GateStyle = .sources

    @Option(help: "Write the netlist here instead of stdout; with --run, the results folder (default out/autonomous/<task>).")
    var out: String?

    enum CircuitKind: String, ExpressibleByArgument { case network, autonomous }

    func validate() throws {
        if state < 0 { throw badValue("--state must be ≥ 0 (a state index), e.g. --state 0") }
        switch circuit {
        case .network:
            if topology == nil { throw ValidationError("give a topology (a preset or a file), or --circuit autonomous --task xor|regression") }
            if autonomous.isUsed { throw ValidationError("--task, --epochs, --alpha, --eta, --clip, --gate-capacitance, --t-settle, --t-learn, --seed, --run and --json belong to --circuit autonomous") }
        case .autonomous:
            if topology != nil { throw ValidationError("--circuit autonomous compiles a task's own network; drop the topology argument") }
            if gateStyle != .sources || bulk != nil || gateOptions.gates != nil || gateOptions.gateValue != nil || outputs != nil {
                throw ValidationError("--gate-style, --bulk, --gates, --gate-value and --outputs do not apply to --circuit autonomous")
            }
            try autonomous.check()
        }
    }

    func run() throws {
        try Exit.run {
            guard let topology else {
                try autonomous.run(model: model, out: out)
                return
            }
            let t = try Topology.load(topology)
            var card = try ModelCard.named(model)
            if let bulk { card.bulk = bulk }
            let outputValues = try outputs.map(readNumbers) ?? [Double](repeating: 0.5, count: t.outputs.count)
            let netlist = try NetlistCompiler.compile(
                t, parameters: try gateOptions.parameters(for: t), phase: phase, state: state,
                outputValues: outputValues, options: NetlistOptions(model: card, gateStyle: gateStyle))
            if let out {
                try AtomicFile.write(netlist.text, to: URL(fileURLWithPath: out))
            } else {
                printOut(netlist.text)
            }
        }
    }
}

extension Phase: ExpressibleByArgument {}
extension GateStyle: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "sources": self = .sources
        case "threshold-per-edge", "thresholdPerEdge", "vto": self = .thresholdPerEdge
        default: return nil
        }
    }
}
