import CLLN
import Foundation
import Testing

/// The repository root (tests read `netlists/` to catch drift from the compiler).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs `ngspice -b` on `netlist` and returns the node voltages it prints (by SPICE name).
func ngspiceBatch(_ netlist: URL) throws -> (voltages: [String: Double], log: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["ngspice", "-b", netlist.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let log = String(decoding: data, as: UTF8.self)
    var voltages: [String: Double] = [:]
    for line in log.split(separator: "\n") {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if fields.count == 2, fields[0].first == "n", fields[0].dropFirst().allSatisfy(\.isNumber), let v = Double(fields[1]) {
            voltages[String(fields[0])] = v
        }
    }
    return (voltages, log)
}

@Suite struct NetlistTests {
    func compiled(_ preset: String, _ phase: Phase) throws -> Netlist {
        let t = try Topology.load(preset)
        return try NetlistCompiler.compile(
            t, parameters: t.uniformParameters(gate: 1.5), phase: phase, state: 0,
            outputValues: [Double](repeating: 0.5, count: t.outputs.count), options: NetlistOptions(model: ModelCard.standard()))
    }

    @Test(arguments: ["four-state", "navigation"], [Phase.free, .clamped])
    func shippedNetlistsMatchTheCompiler(preset: String, phase: Phase) throws {
        let file = repositoryRoot.appendingPathComponent("netlists/\(preset)-\(phase.rawValue).cir")
        let shipped = try String(contentsOf: file, encoding: .utf8)
        #expect(shipped == (try compiled(preset, phase)).text, "netlists/ drifted: run `make netlists`")
    }

    @Test(arguments: ["four-state", "navigation"], [Phase.free, .clamped])
    func shippedNetlistsRunInNgspice(preset: String, phase: Phase) throws {
        let file = repositoryRoot.appendingPathComponent("netlists/\(preset)-\(phase.rawValue).cir")
        let (voltages, log) = try ngspiceBatch(file)
        let t = try Topology.load(preset)
        #expect(!log.lowercased().contains("error:"), "\(log)")
        #expect(voltages.count == t.nodeCount, "ngspice printed \(voltages.count) of \(t.nodeCount) node voltages")
        let held = try t.freeHeld(state: 0)
        let range = min(held.range.lowerBound, 0.5)...max(held.range.upperBound, 0.5)
        #expect(voltages.values.allSatisfy { range.contains($0) })
    }

    @Test func headerNamesAndSourcesFollowTheScheme() throws {
        let n = try compiled("four-state", .clamped)
        #expect(n.lines[0] == "* clln netlist: four-state, clamped phase, state 0")
        #expect(n.lines.contains("m0 n0 g0 n4 0 nmos_edge w=10u l=10u"))
        #expect(n.lines.contains("vg31 g31 0 dc 1.5"))
        #expect(n.lines.contains("vh5 n5 0 dc 0.5") && n.lines.contains("vh0 n0 0 dc 1.0"))
        #expect(n.lines.contains(".model nmos_edge nmos level=1 vto=0.7 kp=0.001 gamma=0 lambda=0 is=0"))
        #expect(try compiled("four-state", .clamped) == n)  // deterministic
    }

    @Test func thresholdPerEdgeFormAndOtherElements() throws {
        let (a, b, c) = (Node("a"), Node("b"), Node("c"))
        let t = try Topology(name: "mixed") {
            Mosfet(a, b)
            DiodeResistor(from: b, to: c)
            DigitalPotentiometer(a, c)
            Input(a, c)
            State(1, 0)
        }
        let card = try ModelCard.standard()
        let n = try NetlistCompiler.compile(
            t, parameters: [2.5, 1e-3, 99], phase: .free, state: 0, options: NetlistOptions(model: card, gateStyle: .thresholdPerEdge))
        #expect(n.lines.contains { $0.hasPrefix(".model me0 nmos level=1 vto=-1.8") })
        #expect(n.lines.contains("m0 n0 0 n1 0 me0 w=10u l=10u"))
        #expect(n.lines.contains("d1 n1 x1 d_edge") && n.lines.contains("r1 x1 n2 1000.0"))
        #expect(n.lines.contains("r2 n0 n2 32000.000000000004") || n.lines.contains { $0.hasPrefix("r2 n0 n2 3199") || $0.hasPrefix("r2 n0 n2 32000") })
    }

    /// Series resistance is read from the `.model` line: PyCLLN's card has `rsh`, ours none;
    /// an explicit zero is none.
    @Test func seriesResistanceOfTheCards() throws {
        #expect(try ModelCard.named("pyclln-ald1106").hasSeriesResistance)
        #expect(try !ModelCard.named("ald1106").hasSeriesResistance && !ModelCard.standard().hasSeriesResistance)
        let zero = try ModelCard(name: "zero-rd", origin: "test", text: ".model {{model}} nmos level=1 vto={{vto}} rd=0 rs=0.0")
        #expect(!zero.hasSeriesResistance)
        let rd = try ModelCard(name: "rd", origin: "test", text: ".model {{model}} nmos level=1 vto={{vto}} RD=5")
        #expect(rd.hasSeriesResistance)
    }

    @Test func compileErrorsAreTyped() throws {
        let t = TopologyPresets.fourState
        #expect(throws: NetlistError.self) { try ModelCard.named("no-such-card") }
        #expect(throws: TopologyError.parameterOutOfBounds(edge: 0, value: 9, bounds: 1...5.5)) {
            var gates = t.uniformParameters(gate: 2)
            gates[0] = 9
            return try NetlistCompiler.compile(t, parameters: gates, phase: .free, state: 0, options: NetlistOptions(model: ModelCard.standard()))
        }
        #expect(throws: TopologyError.unknownState(7, count: 4)) {
            try NetlistCompiler.compile(t, parameters: t.uniformParameters(gate: 2), phase: .free, state: 7,
                                        options: NetlistOptions(model: ModelCard.standard()))
        }
    }
}
