import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <main className="not-found" id="main">
      <h1>Page not found</h1>
      <p>
        <Link className="button button--primary" to="/">
          Go to my home page
        </Link>
      </p>
    </main>
  );
}
