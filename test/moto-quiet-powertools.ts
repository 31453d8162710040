/** Imported first by tests that load a Lambda handler: Powertools reads these when the handler module loads. */
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'lakestep-test';
