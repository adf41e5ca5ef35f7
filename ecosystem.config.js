// pm2 apps, one per socklab service (services/registry.ts). `npm start` runs them on the local
// profile; `SOCKLAB_PROFILE=epfl npm start` leaves out the apps that only make sense locally.
// The services' shutdown bound is `service.shutdownTimeoutMs`: kill_timeout is 3 s above it, so
// pm2 never SIGKILLs a service that is still draining. Exit code 2 is a configuration error (bad
// key file, bad setting): restarting cannot cure it, so pm2 stops the app and shows it errored,
// with the reason in its error log; any other exit (a crash, an unusable store) restarts with
// exponential back-off.
const { SERVICES } = require('./dist/services/registry.js');
const { loadConfig } = require('./dist/config/index.js');
const { schema } = require('./dist/config/schema.js');

const profile = process.env.SOCKLAB_PROFILE || 'local';

function shutdownBoundMs() {
  try {
    return loadConfig({ profile }).config.service.shutdownTimeoutMs;
  } catch {
    return schema.service.shutdownTimeoutMs.default; // the service itself will say what is wrong, and exit 2
  }
}
const killTimeoutMs = shutdownBoundMs() + 3000;

module.exports = {
  apps: Object.entries(SERVICES)
    .filter(([, service]) => !service.profiles || service.profiles.includes(profile))
    .map(([name, service]) => ({
      name,
      script: 'dist/cli/main.js',
      args: ['service', name],
      node_args: service.nodeArgs || [],
      cwd: __dirname,
      exec_mode: 'fork',
      instances: 1,
      // `npm start -- --expose tls-pmu` sets SOCKLAB_TLS_PMU_EXPOSE: the TLS PMU hosted for a grader elsewhere.
      env: { SOCKLAB_PROFILE: profile, NODE_ENV: 'production', ...(name === 'tls-pmu' && process.env.SOCKLAB_TLS_PMU_EXPOSE ? { SOCKLAB_TLS_PMU_EXPOSE: process.env.SOCKLAB_TLS_PMU_EXPOSE } : {}) },
      wait_ready: true,
      listen_timeout: 15000,
      kill_timeout: killTimeoutMs,
      stop_exit_codes: [2],
      autorestart: true,
      exp_backoff_restart_delay: 200,
      min_uptime: 5000,
      max_restarts: 15,
      max_memory_restart: '300M',
      log_date_format: 'YYYY-MM-DDTHH:mm:ss.SSSZ',
      merge_logs: true,
    })),
};
