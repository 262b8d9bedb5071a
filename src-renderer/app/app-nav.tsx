/**
 * The left navigation: real links to the five views, the active one marked
 * with aria-current, and a count of unfinished jobs beside Jobs.
 */
import { isTerminal } from '../../shared/domain/job';
import { hrefFor, routes, type RouteId } from './hash-route';
import { useBarkeep } from './store-context';

export function AppNav({ current }: { current: RouteId }) {
  const activeJobCount = useBarkeep(
    (state) => Object.values(state.jobsById).filter((job) => !isTerminal(job.state)).length,
  );
  return (
    <nav className="app-nav" aria-label="Views">
      <ul>
        {routes.map((route) => (
          <li key={route.id}>
            <a
              href={hrefFor(route.id)}
              data-testid={`nav-${route.id}`}
              aria-current={route.id === current ? 'page' : undefined}
            >
              <span>{route.label}</span>
              {route.id === 'jobs' && activeJobCount > 0 && (
                <span className="nav-count" aria-label={`${activeJobCount} running`}>
                  {activeJobCount}
                </span>
              )}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
