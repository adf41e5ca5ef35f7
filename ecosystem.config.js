// pm2 apps, one per socklab service (services/registry.ts). `npm start` runs them on the local
// profile; `SOCKLAB_PROFILE=epfl npm start` leaves out the apps that only make sense locally.
// The services' shutdown bound is `service.shutdownTimeoutMs` (5 s by default): kill_timeout is
// above it, so pm2 never SIGKILLs a service that is still draining.
const { SERVICES } = require('./dist/services/registry.js');

const profile = process.env.SOCKLAB_PROFILE || 'local';

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
      env: { SOCKLAB_PROFILE: profile, NODE_ENV: 'production' },
      wait_ready: true,
      listen_timeout: 15000,
      kill_timeout: 8000,
      autorestart: true,
      exp_backoff_restart_delay: 200,
      min_uptime: 5000,
      max_restarts: 15,
      max_memory_restart: '300M',
      log_date_format: 'YYYY-MM-DDTHH:mm:ss.SSSZ',
      merge_logs: true,
    })),
};
