import MixdownCLI

await MixdownCommand.start()
