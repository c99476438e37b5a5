import ArgumentParser
import Foundation
import XGraphCore
import XGraphRemote

/// `xgraph remote keygen` and `xgraph remote public-key`: the signing key of docs/remote.md.
struct RemoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "Manage the key that signs the records you push to a remote cache.",
        subcommands: [KeygenCommand.self, PublicKeyCommand.self])

    struct KeygenCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen",
            abstract: "Make an Ed25519 signing key (mode 0600) and print its public key for trusted_keys.")

        @Option(name: .long, help: "Where to write the private key (default: $XGRAPH_SIGNING_KEY, else ~/.config/xgraph/signing-key).")
        var out: String?

        func run() async throws {
            do {
                let path = out ?? SigningKey.defaultPath()
                let key = try SigningKey.generate()
                try key.write(to: path)
                Console.err("wrote the private key to \(path) (keep it private; records you push are signed with it)\n")
                print(key.publicKey.description)
                XGraph.finish()
            } catch {
                XGraph.fail(error)
            }
        }
    }

    struct PublicKeyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key",
            abstract: "Print the public key of your signing key, the line to add to trusted_keys.")

        @Option(name: .long, help: "The private key file (default: $XGRAPH_SIGNING_KEY, else ~/.config/xgraph/signing-key).")
        var key: String?

        func run() async throws {
            do {
                print(try SigningKey.load(path: key ?? SigningKey.defaultPath()).publicKey.description)
                XGraph.finish()
            } catch {
                XGraph.fail(error)
            }
        }
    }
}
