// Starts the ATM language server (dist/server.js) over Node IPC and restarts it once if it
// crashes; a second crash leaves it stopped with a message saying how to get it back.
import * as vscode from 'vscode';
import {
  CloseAction,
  CodeLensRequest,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  PINNED_BASELINES_NOTIFICATION,
  TEST_ITEMS_REQUEST,
  type PinnedBaselinesParams,
  type TestItemsParams,
  type TestItemsResult,
} from '../server/protocol';
import { DEFAULT_VALIDATION_DELAY_MS, type AtmInitializationOptions } from '../server/protocol';

export const LANGUAGE_ID = 'atm-yaml';

/** Rewrites the server's lenses of a document before they show (the run status in their titles). */
export type LensDecorator = (document: vscode.TextDocument, lenses: vscode.CodeLens[]) => Promise<vscode.CodeLens[]>;
const MAX_RESTARTS = 1;

export class AtmLanguageClient implements vscode.Disposable {
  private client: LanguageClient | null = null;
  private restarts = 0;
  private readonly status: vscode.LanguageStatusItem;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly decorateLenses?: LensDecorator,
  ) {
    this.status = vscode.languages.createLanguageStatusItem('atm.server', { language: LANGUAGE_ID });
    this.status.name = 'ATM language server';
    this.setStatus('starting', vscode.LanguageStatusSeverity.Information, true);
  }

  private setStatus(text: string, severity: vscode.LanguageStatusSeverity, busy = false): void {
    this.status.text = `ATM: ${text}`;
    this.status.severity = severity;
    this.status.busy = busy;
    this.status.command = { title: 'Show output', command: 'workbench.action.output.toggleOutput' };
    this.status.detail = 'Validation, completion and hover for .atm.yaml';
  }

  async start(): Promise<void> {
    const module = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'server.js').fsPath;
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const initializationOptions: AtmInitializationOptions = { validationDelayMs: DEFAULT_VALIDATION_DELAY_MS };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: LANGUAGE_ID },
        { scheme: 'untitled', language: LANGUAGE_ID },
      ],
      outputChannel: this.log,
      initializationOptions,
      middleware: {
        provideCodeLenses: async (document, token, next) => {
          const lenses = await next(document, token);
          if (!lenses || !this.decorateLenses) return lenses;
          try {
            return await this.decorateLenses(document, lenses);
          } catch (err) {
            // The plain lenses still run the test.
            this.log.warn(`Could not add the run status to the lenses: ${err instanceof Error ? err.message : String(err)}`);
            return lenses;
          }
        },
      },
      errorHandler: {
        error: (error, _message, count): ErrorHandlerResult => {
          this.log.error(`Language server connection error: ${error.message}`);
          return { action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
        },
        closed: (): CloseHandlerResult => {
          if (this.restarts < MAX_RESTARTS) {
            this.restarts += 1;
            this.log.warn('The ATM language server stopped unexpectedly; restarting it.');
            this.setStatus('restarting', vscode.LanguageStatusSeverity.Warning, true);
            return { action: CloseAction.Restart, handled: true };
          }
          const message =
            'The ATM language server stopped again, so .atm.yaml validation, completion and hover are off. Run "Developer: Reload Window" to start it again; the "API Test Machine" output has details.';
          this.setStatus('stopped', vscode.LanguageStatusSeverity.Error);
          void vscode.window.showErrorMessage(message);
          return { action: CloseAction.DoNotRestart, message, handled: true };
        },
      },
    };
    this.client = new LanguageClient('atm', 'API Test Machine', serverOptions, clientOptions);
    this.client.onDidChangeState((e) => {
      if (e.newState === State.Running) this.setStatus('ready', vscode.LanguageStatusSeverity.Information);
    });
    try {
      await this.client.start();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`The ATM language server did not start: ${message}`);
      this.setStatus('not running', vscode.LanguageStatusSeverity.Error);
    }
  }

  /** Tells the server which tests have a pinned baseline (a lost message is re-sent on the next change). */
  sendPinnedBaselines(params: PinnedBaselinesParams): void {
    const client = this.client;
    if (!client || client.state !== State.Running) return;
    client.sendNotification(PINNED_BASELINES_NOTIFICATION, params).catch((err: unknown) => this.log.warn(`Could not send the pinned baselines: ${String(err)}`));
  }

  /** The tests of a spec as the server reads them; null while the server is not running. */
  async testItems(uri: string, text: string): Promise<TestItemsResult | null> {
    const client = this.client;
    if (!client || client.state !== State.Running) return null;
    const params: TestItemsParams = { uri, text };
    return client.sendRequest<TestItemsResult>(TEST_ITEMS_REQUEST, params);
  }

  /** Asks the editor for the lenses again (their status changed: a run, the time passing). */
  refreshLenses(): void {
    const client = this.client;
    if (!client || client.state !== State.Running) return;
    const feature = client.getFeature(CodeLensRequest.method);
    const emitters = new Set<vscode.EventEmitter<void>>();
    for (const document of vscode.workspace.textDocuments) {
      if (document.languageId !== LANGUAGE_ID) continue;
      const emitter = feature.getProvider(document)?.onDidChangeCodeLensEmitter;
      if (emitter) emitters.add(emitter);
    }
    for (const emitter of emitters) emitter.fire();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client && client.state !== State.Stopped) {
      await client.stop(2000).catch(() => undefined);
    }
  }

  dispose(): void {
    this.status.dispose();
    void this.stop();
  }
}
